using TorchSharp;
using System.Globalization;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Writes checkpoints a fit can resume from (<see cref="Learner.Fit(int, string, double?, IEnumerable{Callback}?)"/>):
/// after every epoch, or only when a monitored metric improves. Each write is atomic (temporary file
/// + rename), and weights that are not finite are never written, so a good checkpoint is never
/// replaced by a broken one. A path containing <c>{epoch}</c> keeps one file per epoch.
/// </summary>
/// <remarks>
/// The decision is taken in <c>AfterEpoch</c> (order 61); the file is written when every
/// <c>AfterEpoch</c> handler has run — at the very start of the next epoch (a <c>BeforeEpoch</c>
/// handler of order −1000) or in <c>AfterFit</c> — so that it holds the epoch's final state,
/// including that of callbacks ordered after it such as <see cref="EarlyStopping"/> (63).
/// </remarks>
/// <example><code>
/// learn.Fit(10, cbs: new[] { new SaveModel("runs/best.ckpt", monitor: "valid_loss") });
/// learn.Fit(10, cbs: new[] { new SaveModel("runs/last.ckpt") }); // every epoch
/// </code></example>
[Callback(Order = 61)]
public sealed partial class SaveModel : Callback, ICheckpointable
{
    private readonly MetricMonitor? monitor;
    private int pendingEpoch = -1;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The checkpoint file; <c>{epoch}</c> in it is replaced by the epoch number.</param>
    /// <param name="monitor">A metric such as <c>valid_loss</c> or <c>accuracy</c>: save only when it improves. Null: save every epoch.</param>
    /// <param name="goal">Whether lower or higher values of <paramref name="monitor"/> are better.</param>
    /// <param name="minDelta">The least change that counts as an improvement.</param>
    public SaveModel(string path, string? monitor = null, Goal goal = Goal.Minimize, double minDelta = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        this.monitor = monitor is null ? null : new MetricMonitor(monitor, goal, minDelta, nameof(SaveModel));
    }

    /// <summary>The checkpoint path (may contain <c>{epoch}</c>).</summary>
    public string Path { get; }

    /// <summary>The file written last, or null.</summary>
    public string? LastSaved { get; private set; }

    /// <summary>The best value of the monitored metric so far (NaN when saving every epoch).</summary>
    public double Best => monitor?.Best ?? double.NaN;

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>
    /// <c>SaveModel</c>, or with a monitor <c>SaveModel[monitor=valid_loss,goal=min]</c>: from the
    /// configuration, never the path, so a checkpoint resumes on another machine or folder.
    /// </summary>
    protected override string DefaultStateKey => monitor is null
        ? nameof(SaveModel)
        : $"{nameof(SaveModel)}[monitor={monitor.Name},goal={(monitor.Goal == Goal.Minimize ? "min" : "max")}]";

    [Callback]
    private void BeforeFit()
    {
        pendingEpoch = -1;
        monitor?.Reset();
    }

    [Callback]
    private void AfterEpoch()
    {
        if (monitor is null || monitor.Improve(monitor.Read(Learn)))
        {
            pendingEpoch = Epoch + 1;
        }
    }

    [Callback(Order = -1000)] private void BeforeEpoch() => Flush();

    [Callback] private void AfterFit() => Flush();

    private void Flush()
    {
        if (pendingEpoch < 0)
        {
            return;
        }

        int startEpoch = pendingEpoch;
        pendingEpoch = -1;
        if (!WeightsAreFinite())
        {
            return;
        }

        string file = Path.Replace("{epoch}", (startEpoch - 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Learn.SaveCheckpoint(file, startEpoch);
        LastSaved = file;
    }

    private bool WeightsAreFinite()
    {
        using DisposeScope scope = NewDisposeScope();
        return Model.parameters().All(p => p.isfinite().all().item<bool>());
    }

    /// <inheritdoc/>
    public void SaveState(BinaryWriter writer) => writer.Write(Best);

    /// <inheritdoc/>
    public void LoadState(BinaryReader reader)
    {
        double best = reader.ReadDouble();
        if (monitor is not null)
        {
            monitor.Best = best;
        }
    }
}
