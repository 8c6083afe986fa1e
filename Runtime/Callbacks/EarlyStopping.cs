using System.Globalization;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Stops the fit (<see cref="CancelFitException"/> in <c>AfterEpoch</c>, order 63) when a monitored
/// metric has not improved by more than <c>minDelta</c> for <see cref="Patience"/> epochs; optionally
/// puts the best epoch's weights back at the end. It reads the monitored value from the learner's
/// epoch row (<see cref="Learner.LastEpoch"/>), so it sees the numbers the table and the CSV show.
/// When it stops it says when and why (the monitored value, the best and its epoch, the patience)
/// in the run's output and keeps the sentence in <see cref="StopReason"/>. Its wait, best value and
/// best weights are saved in checkpoints, so a resumed fit stops at the same epoch.
/// </summary>
/// <example><code>learn.Fit(50, cbs: new[] { new EarlyStopping("accuracy", Goal.Maximize, patience: 3, restoreBestWeights: true) });</code></example>
[Callback(Order = 63)]
public sealed partial class EarlyStopping : Callback, IDisposable
{
    private readonly MetricMonitor monitor;
    [Checkpointed] private List<KeyValuePair<string, Tensor>>? bestWeights;

    // The monitor's best value, copied in and out around checkpoints (the monitor is shared code).
    [Checkpointed] private double best;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric, e.g. <c>valid_loss</c>, <c>train_loss</c>, <c>accuracy</c>.</param>
    /// <param name="goal">Whether lower or higher is better.</param>
    /// <param name="minDelta">The least change that counts as an improvement (≥ 0).</param>
    /// <param name="patience">Epochs without improvement before stopping (≥ 1).</param>
    /// <param name="restoreBestWeights">Put the best epoch's weights back when the fit ends.</param>
    public EarlyStopping(string monitor = "valid_loss", Goal goal = Goal.Minimize, double minDelta = 0, int patience = 1, bool restoreBestWeights = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        this.monitor = new MetricMonitor(monitor, goal, minDelta, nameof(EarlyStopping));
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>Whether the best weights are put back at the end.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Epochs since the last improvement.</summary>
    [Checkpointed]
    public int Wait { get; private set; }

    /// <summary>The best value seen.</summary>
    public double Best => monitor.Best;

    /// <summary>The epoch of the best value (−1 before the first).</summary>
    [Checkpointed]
    public int BestEpoch { get; private set; } = -1;

    /// <summary>The epoch after which the last fit stopped, or null.</summary>
    [Transient]
    public int? StoppedEpoch { get; private set; }

    /// <summary>
    /// Why the last fit stopped, as written to the run's output, for example
    /// <c>EarlyStopping: stopped after epoch 3: valid_loss 4.200000 has not improved on the best 4.000000 (epoch 1) for 2 epochs (patience 2, min_delta 0).</c>;
    /// null when the last fit was not stopped by this callback.
    /// </summary>
    [Transient]
    public string? StopReason { get; private set; }

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary><c>EarlyStopping[valid_loss]</c>: the monitored metric.</summary>
    protected override string DefaultStateKey => $"{nameof(EarlyStopping)}[{monitor.Name}]";

    [Callback]
    private void BeforeFit()
    {
        monitor.Reset();
        (Wait, BestEpoch, StoppedEpoch, StopReason) = (0, -1, null, null);
        SetBestWeights(null);
    }

    [Callback]
    private void AfterEpoch()
    {
        double value = monitor.Read(Learn);
        if (monitor.Improve(value))
        {
            (Wait, BestEpoch) = (0, Epoch);
            if (RestoreBestWeights)
            {
                SetBestWeights(Model.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.detach().clone().DetachFromDisposeScope())).ToList());
            }
        }
        else if (++Wait >= Patience)
        {
            StoppedEpoch = Epoch;
            StopReason = string.Create(
                CultureInfo.InvariantCulture,
                $"EarlyStopping: stopped after epoch {Epoch}: {monitor.Name} {EpochText.Show(value)} has not improved on the best {EpochText.Show(Best)} (epoch {BestEpoch}) for {Wait} epoch{(Wait == 1 ? string.Empty : "s")} (patience {Patience}, min_delta {monitor.MinDelta}).");
            Say(StopReason);
            throw new CancelFitException();
        }
    }

    [Callback]
    private void AfterFit()
    {
        if (bestWeights is null)
        {
            return;
        }

        using var _ = no_grad();
        Dictionary<string, Tensor> target = Model.state_dict();
        foreach (var (name, value) in bestWeights)
        {
            target[name].copy_(value);
        }
    }

    /// <inheritdoc/>
    protected override void OnSavingState() => best = monitor.Best;

    /// <inheritdoc/>
    protected override void OnStateLoaded() => monitor.Best = best;

    // The run's output: above a live Progress bar, else the learner's output writer.
    private void Say(string message) => Learn.Log(message);

    /// <summary>Releases the copy of the best weights.</summary>
    public void Dispose() => SetBestWeights(null);

    private void SetBestWeights(List<KeyValuePair<string, Tensor>>? weights)
    {
        bestWeights?.ForEach(p => p.Value.Dispose());
        bestWeights = weights;
    }
}
