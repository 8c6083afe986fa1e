using System.Globalization;

namespace CallbackGen;

/// <summary>
/// Lowers the learning rate when a monitored metric stops improving (fastai's, Keras's and PyTorch's
/// <c>ReduceLROnPlateau</c>): after <see cref="Patience"/> epochs in a row without an improvement of more
/// than <c>minDelta</c>, every parameter group's rate is multiplied by <see cref="Factor"/> (never below
/// <see cref="MinLr"/>) and the count starts again. It reads the epoch row (<see cref="Learner.LastEpoch"/>)
/// as <see cref="EarlyStopping"/> does, and says what it did in the run's output.
/// </summary>
/// <remarks>
/// <see cref="Factor"/> multiplies the rate, as in PyTorch and Keras (fastai divides by its <c>factor</c>:
/// its 10 is 0.1 here). The count, the best value and the epochs of the reductions are saved in checkpoints,
/// and the reduced rates are the optimiser's own state, so a resumed fit reduces at the same epochs.
/// Meant for fits at a constant rate (<see cref="Learner.Fit(int, double?, IEnumerable{Callback}?)"/>): a
/// schedule such as one cycle sets the rate before every batch and would undo the reduction.
/// </remarks>
/// <example><code>learn.Fit(30, cbs: [new ReduceLROnPlateau("valid_loss", patience: 2, factor: 0.5, minLr: 1e-5)]);</code></example>
[Callback(Order = CallbackOrder.ReduceLROnPlateau)]
public sealed partial class ReduceLROnPlateau : Callback
{
    private readonly MetricMonitor monitor;

    // The monitor's best value, copied in and out around checkpoints (the monitor is shared code).
    [Checkpointed] private double best;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric, e.g. <c>valid_loss</c>, <c>accuracy</c>.</param>
    /// <param name="goal">Whether lower or higher is better.</param>
    /// <param name="patience">Epochs without improvement before a reduction (≥ 1).</param>
    /// <param name="factor">The multiplier of the rate, in (0, 1).</param>
    /// <param name="minLr">The lowest rate a reduction sets (≥ 0).</param>
    /// <param name="minDelta">The least change that counts as an improvement (≥ 0).</param>
    public ReduceLROnPlateau(string monitor = "valid_loss", Goal goal = Goal.Minimize, int patience = 1, double factor = 0.1, double minLr = 0, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(factor is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ReduceLROnPlateau's factor multiplies the rate and must be in (0, 1) (fastai's factor 10 is 0.1 here).");
        }

        if (!(minLr >= 0) || !double.IsFinite(minLr))
        {
            throw new ArgumentOutOfRangeException(nameof(minLr), minLr, "ReduceLROnPlateau's minLr must be a finite number ≥ 0.");
        }

        this.monitor = new MetricMonitor(monitor, goal, minDelta, nameof(ReduceLROnPlateau));
        Patience = patience;
        Factor = factor;
        MinLr = minLr;
    }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>The multiplier of the rate at each reduction.</summary>
    public double Factor { get; }

    /// <summary>The lowest rate a reduction sets.</summary>
    public double MinLr { get; }

    /// <summary>Epochs since the last improvement or reduction.</summary>
    [Checkpointed]
    public int Wait { get; private set; }

    /// <summary>The best value seen this fit.</summary>
    public double Best => monitor.Best;

    /// <summary>The epochs after which the rate was reduced, this fit.</summary>
    [Checkpointed]
    public int[] ReducedAfter { get; private set; } = [];

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary><c>ReduceLROnPlateau[valid_loss]</c>: the monitored metric.</summary>
    protected override string DefaultStateKey => $"{nameof(ReduceLROnPlateau)}[{monitor.Name}]";

    [Callback]
    private void BeforeFit()
    {
        monitor.Reset();
        (Wait, ReducedAfter) = (0, []);
    }

    [Callback]
    private void AfterEpoch()
    {
        if (monitor.Improve(monitor.Read(Learn)))
        {
            Wait = 0;
            return;
        }

        if (++Wait < Patience)
        {
            return;
        }

        Wait = 0;
        var rates = new List<string>();
        for (int g = 0; g < Opt.GroupCount; g++)
        {
            double old = Opt.Get(Hyper.Lr, g);
            double lr = Math.Max(old * Factor, MinLr);
            Opt.Set(Hyper.Lr, lr, g);
            rates.Add(string.Create(CultureInfo.InvariantCulture, $"{old:G4} → {lr:G4}"));
        }

        ReducedAfter = [.. ReducedAfter, Epoch];
        Learn.Log($"ReduceLROnPlateau: {monitor.Name} has not improved on {EpochText.Show(Best)} for {Patience} epoch{(Patience == 1 ? string.Empty : "s")}: learning rate {string.Join(", ", rates)} after epoch {Epoch}.");
    }

    /// <inheritdoc/>
    protected override void OnSavingState() => best = monitor.Best;

    /// <inheritdoc/>
    protected override void OnStateLoaded() => monitor.Best = best;
}
