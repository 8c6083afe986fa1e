using System.Globalization;
using CallbackGen.Checkpoints;

namespace CallbackGen;

/// <summary>
/// Stops the fit (<see cref="CancelFitException"/> in <c>AfterEpoch</c>, <see cref="CallbackOrder.EarlyStopping"/>) when a monitored
/// metric has not improved by more than <c>minDelta</c> for <see cref="Patience"/> epochs; optionally
/// puts the best epoch's weights and optimiser state back at the end. It reads the monitored value
/// from the learner's epoch row (<see cref="Learner.LastEpoch"/>), so it sees the numbers the table
/// and the CSV show. When it stops it says when and why (the monitored value, the best and its epoch,
/// the patience) in the run's output and keeps the sentence in <see cref="StopReason"/>. Its wait,
/// best value and best weights and optimiser state are saved in checkpoints, so a resumed fit stops
/// at the same epoch and ends with the same model.
/// </summary>
/// <example><code>learn.Fit(50, cbs: new[] { new EarlyStopping("accuracy", Goal.Maximize, patience: 3, restoreBestWeights: true) });</code></example>
[Callback(Order = CallbackOrder.EarlyStopping)]
public sealed partial class EarlyStopping : Callback, IDisposable
{
    private readonly MetricMonitor monitor;
    // The model and optimiser after the best epoch (restoreBestWeights only). What a loaded checkpoint
    // puts here replaces the field without disposing the old value, so 'held' remembers what to release.
    [Checkpointed] private TrainingSnapshot? bestState;
    [Transient] private TrainingSnapshot? held;

    // The monitor's best value, copied in and out around checkpoints (the monitor is shared code).
    [Checkpointed] private double best;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric, e.g. <c>valid_loss</c>, <c>train_loss</c>, <c>accuracy</c>.</param>
    /// <param name="goal">Whether lower or higher is better.</param>
    /// <param name="minDelta">The least change that counts as an improvement (≥ 0).</param>
    /// <param name="patience">Epochs without improvement before stopping (≥ 1).</param>
    /// <param name="restoreBestWeights">Put the best epoch's weights and optimiser state back when the fit ends.</param>
    public EarlyStopping(string monitor = "valid_loss", Goal goal = Goal.Minimize, double minDelta = 0, int patience = 1, bool restoreBestWeights = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        this.monitor = new MetricMonitor(monitor, goal, minDelta, nameof(EarlyStopping));
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>
    /// Whether the best epoch's weights are put back at the end, with the optimiser's state of that
    /// moment (its moments, step counts and hyper-parameters): the learner ends as it was after the
    /// best epoch, so a further fit continues from there as if the later epochs had never run.
    /// </summary>
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
        SetBest(null);
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
                SetBest(TrainingSnapshot.Take(Model, Opt));
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
        bestState?.Restore(Model, Opt);
    }

    /// <inheritdoc/>
    protected override void OnSavingState() => best = monitor.Best;

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        monitor.Best = best;
        if (!ReferenceEquals(held, bestState))
        {
            held?.Dispose();
            held = bestState;
        }
    }

    // The run's output: above a live Progress bar, else the learner's output writer.
    private void Say(string message) => Learn.Log(message);

    /// <summary>Releases the copy of the best weights and optimiser state.</summary>
    public void Dispose() => SetBest(null);

    private void SetBest(TrainingSnapshot? snapshot)
    {
        held?.Dispose();
        (held, bestState) = (snapshot, snapshot);
    }
}
