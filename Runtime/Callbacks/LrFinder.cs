namespace CallbackGen;

/// <summary>
/// The learning-rate range test (used by <c>Learner.LrFind</c>): trains with a learning rate growing
/// exponentially from <see cref="StartLr"/> to <see cref="EndLr"/> over <see cref="NumIt"/> batches,
/// records the smoothed loss at each, stops early once that loss exceeds 4× the best seen
/// (when <see cref="StopDiv"/>), and skips validation. It does not restore anything itself:
/// <c>Learner.LrFind</c> does.
/// </summary>
// Runs only inside LrFind, which is never checkpointed or resumed.
[Transient]
[Callback(Order = CallbackOrder.LrFinder)]
public sealed partial class LrFinder : Callback
{
    private readonly List<double> lrs = new();
    private readonly List<double> losses = new();
    private readonly List<double> rawLosses = new();
    private readonly SmoothedLoss smoother = new();
    private readonly Schedule schedule;
    private double best;
    private double currentLr;

    /// <summary>Creates a finder.</summary>
    /// <param name="startLr">The first learning rate, &gt; 0.</param>
    /// <param name="endLr">The last learning rate, &gt; <paramref name="startLr"/>.</param>
    /// <param name="numIt">The number of batches, ≥ 2.</param>
    /// <param name="stopDiv">Stop once the smoothed loss exceeds 4× the best.</param>
    public LrFinder(double startLr = 1e-7, double endLr = 10, int numIt = 100, bool stopDiv = true)
    {
        if (!(startLr > 0) || double.IsInfinity(startLr))
        {
            throw new ArgumentOutOfRangeException(nameof(startLr), startLr, "The LR finder's start learning rate must be finite and > 0.");
        }

        if (!(endLr > startLr) || double.IsInfinity(endLr))
        {
            throw new ArgumentOutOfRangeException(nameof(endLr), endLr, $"The LR finder's end learning rate must be finite and greater than the start ({startLr}).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(numIt, 2);
        StartLr = startLr;
        EndLr = endLr;
        NumIt = numIt;
        StopDiv = stopDiv;
        schedule = Schedules.Exp(startLr, endLr);
    }

    /// <summary>The first learning rate.</summary>
    public double StartLr { get; }

    /// <summary>The last learning rate.</summary>
    public double EndLr { get; }

    /// <summary>The number of batches the test runs at most.</summary>
    public int NumIt { get; }

    /// <summary>Whether the test stops when the loss diverges.</summary>
    public bool StopDiv { get; }

    /// <summary>The learning rate of every batch run.</summary>
    public IReadOnlyList<double> Lrs => lrs;

    /// <summary>The smoothed loss after every batch run.</summary>
    public IReadOnlyList<double> Losses => losses;

    /// <summary>The raw loss of every batch run.</summary>
    public IReadOnlyList<double> RawLosses => rawLosses;

    /// <summary>True when the test stopped because the loss diverged.</summary>
    public bool Diverged { get; private set; }

    /// <summary>The curve and the suggestions from what was recorded.</summary>
    public LrFindResult Result() => LrFindResult.From(lrs.ToArray(), losses.ToArray(), rawLosses.ToArray(), Diverged);

    [Callback]
    private void BeforeFit()
    {
        lrs.Clear();
        losses.Clear();
        rawLosses.Clear();
        smoother.Reset();
        best = double.PositiveInfinity;
        Diverged = false;
    }

    [Callback]
    private void BeforeBatch()
    {
        if (!Training)
        {
            return;
        }

        currentLr = schedule(Math.Min(1.0, lrs.Count / (double)(NumIt - 1)));
        Opt.Set(Hyper.Lr, currentLr);
    }

    [Callback]
    private void AfterBatch()
    {
        if (!Training || Learn.Loss is null)
        {
            return;
        }

        // The test needs each loss to decide whether to go on: one sync per batch, by design.
        double raw = Learn.Loss.detach().cpu().to_type(TorchSharp.torch.ScalarType.Float64).item<double>();
        double smooth = smoother.Add(raw);
        lrs.Add(currentLr);
        rawLosses.Add(raw);
        losses.Add(smooth);
        best = Math.Min(best, smooth);
        if (StopDiv && (smooth > 4 * best || double.IsNaN(smooth)))
        {
            Diverged = true;
            throw new CancelFitException();
        }

        if (lrs.Count >= NumIt)
        {
            throw new CancelFitException();
        }
    }

    [Callback]
    private void BeforeValidate() => throw new CancelValidateException();
}
