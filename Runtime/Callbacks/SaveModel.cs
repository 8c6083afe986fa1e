using TorchSharp;
using System.Globalization;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Writes checkpoints a fit can resume from (<see cref="Learner.Fit(int, string, double?, IEnumerable{Callback}?, bool)"/>):
/// after every epoch, or only when a monitored metric improves; optionally also every N training
/// batches and/or every T of wall time (mid-epoch checkpoints), and a final one when the fit is
/// interrupted (Ctrl-C, SIGTERM). Each write is atomic (<see cref="IO.AtomicFile"/>), and weights that
/// are not finite are never written, so a good checkpoint is never replaced by a broken one. A path
/// containing <c>{epoch}</c> keeps one file per epoch.
/// </summary>
/// <remarks>
/// The decision is taken in <c>AfterEpoch</c> (<see cref="CallbackOrder.SaveModel"/>) or <c>AfterBatch</c>; the learner writes the
/// file as soon as every handler of that event has run, so the file holds the state every handler
/// left (including callbacks ordered after it, such as <see cref="EarlyStopping"/> at 63), and epoch
/// N's checkpoint is on disk when <c>AfterEpoch</c> of epoch N returns.
/// </remarks>
/// <example><code>
/// learn.Fit(10, cbs: new[] { new SaveModel("runs/best.ckpt", monitor: "valid_loss") });
/// learn.Fit(10, cbs: new[] { new SaveModel("runs/last.ckpt") }); // every epoch
/// learn.Fit(10, cbs: new[] { new SaveModel("runs/last.ckpt", everyBatches: 500, every: TimeSpan.FromMinutes(10)) });
/// </code></example>
[Callback(Order = CallbackOrder.SaveModel)]
public sealed partial class SaveModel : Callback
{
    private readonly MetricMonitor? monitor;
    // The wall-clock time of the last write: a mid-epoch timer of this process, not of the run.
    [Transient] private long lastSave;

    // The monitor's best value, copied in and out around checkpoints (the monitor is shared code).
    [Checkpointed] private double best = double.NaN;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The checkpoint file; <c>{epoch}</c> in it is replaced by the epoch number.</param>
    /// <param name="monitor">A metric such as <c>valid_loss</c> or <c>accuracy</c>: save only when it improves. Null: save every epoch.</param>
    /// <param name="goal">Whether lower or higher values of <paramref name="monitor"/> are better.</param>
    /// <param name="minDelta">The least change that counts as an improvement.</param>
    /// <param name="everyBatches">Also write after every this many training batches of the fit (a mid-epoch checkpoint); null: not by count.</param>
    /// <param name="every">Also write after a training batch once this much wall time has passed since the last write; null: not by time.</param>
    /// <exception cref="ArgumentException">Mid-epoch options with a <paramref name="monitor"/> (a best-model file is written only when the metric improves, at epoch ends: use a second SaveModel).</exception>
    public SaveModel(string path, string? monitor = null, Goal goal = Goal.Minimize, double minDelta = 0, int? everyBatches = null, TimeSpan? every = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (everyBatches is int n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(everyBatches));
        }

        if (every is TimeSpan t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(every), t, "The interval between mid-epoch checkpoints must be positive.");
        }

        if (monitor is not null && (everyBatches is not null || every is not null))
        {
            throw new ArgumentException(
                "A SaveModel with a monitor writes only when the metric improves, at the end of an epoch; for mid-epoch checkpoints attach a second SaveModel without a monitor.",
                nameof(monitor));
        }

        Path = path;
        EveryBatches = everyBatches;
        Every = every;
        this.monitor = monitor is null ? null : new MetricMonitor(monitor, goal, minDelta, nameof(SaveModel));
    }

    /// <summary>The checkpoint path (may contain <c>{epoch}</c>).</summary>
    public string Path { get; }

    /// <summary>Training batches between mid-epoch checkpoints, or null.</summary>
    public int? EveryBatches { get; }

    /// <summary>Wall time between mid-epoch checkpoints, or null.</summary>
    public TimeSpan? Every { get; }

    /// <summary>The file written last, or null.</summary>
    [Transient]
    public string? LastSaved { get; private set; }

    /// <summary>The best value of the monitored metric so far (NaN when saving every epoch).</summary>
    public double Best => monitor?.Best ?? double.NaN;

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>
    /// The key of its checkpoint state: its configuration, never its path, so a run folder that was
    /// moved or copied resumes (<c>SaveModel</c>, <c>SaveModel[monitor=valid_loss,goal=min]</c>, <c>SaveModel[everyBatches=500]</c>).
    /// </summary>
    protected override string DefaultStateKey => monitor is not null
        ? $"{nameof(SaveModel)}[monitor={monitor.Name},goal={(monitor.Goal == Goal.Minimize ? "min" : "max")}]"
        : EveryBatches is null && Every is null
            ? nameof(SaveModel)
            : nameof(SaveModel) + "[" + string.Join(",", new[]
            {
                EveryBatches is int n ? string.Create(CultureInfo.InvariantCulture, $"everyBatches={n}") : null,
                Every is TimeSpan t ? string.Create(CultureInfo.InvariantCulture, $"every={t.TotalSeconds}s") : null,
            }.Where(x => x is not null)) + "]";

    [Callback]
    private void BeforeFit()
    {
        monitor?.Reset();
        lastSave = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    [Callback]
    private void AfterBatch()
    {
        if (!Training || (EveryBatches is null && Every is null))
        {
            return;
        }

        bool due = (EveryBatches is int n && TrainIter % n == 0)
            || (Every is TimeSpan t && System.Diagnostics.Stopwatch.GetElapsedTime(lastSave) >= t);
        if (due)
        {
            Request();
        }
    }

    [Callback]
    private void AfterEpoch()
    {
        if (monitor is null || monitor.Improve(monitor.Read(Learn)))
        {
            Request();
        }
    }

    [Callback]
    private void AfterCancelFit()
    {
        // An interrupted fit (Ctrl-C, SIGTERM) ends with a checkpoint at the batch it finished. A
        // best-model file is not the place for it.
        if (monitor is null && Learn.StopRequested)
        {
            Request();
        }
    }

    private void Request()
    {
        lastSave = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!WeightsAreFinite())
        {
            return;
        }

        string file = Path.Replace("{epoch}", Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Learn.RequestCheckpoint(file, written => LastSaved = written);
    }

    private bool WeightsAreFinite()
    {
        using DisposeScope scope = NewDisposeScope();
        return Model.parameters().All(p => p.isfinite().all().item<bool>());
    }

    /// <inheritdoc/>
    protected override void OnSavingState() => best = Best;

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        if (monitor is not null)
        {
            monitor.Best = best;
        }
    }
}
