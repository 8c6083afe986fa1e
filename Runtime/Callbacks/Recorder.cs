using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Records a fit: for every training batch, the learning rate and every scheduled hyper-parameter of
/// every parameter group and the loss with its smoothed value (β = 0.98, debiased); for every epoch,
/// the learner's epoch row (<see cref="Learner.LastEpoch"/>: training and validation losses, metrics,
/// wall time — the numbers <see cref="Progress"/> and <see cref="CsvLogger"/> show). The values are
/// available as data and as PNG charts (<see cref="PlotLr"/>, <see cref="PlotLoss"/>,
/// <see cref="PlotSched"/>). Runs at <see cref="CallbackOrder.Recorder"/>. Batch losses stay on the device and are read once per
/// training phase, so recording adds no device sync per batch.
/// </summary>
/// <example>
/// <code>
/// var rec = new Recorder();
/// learn.Add(rec);
/// learn.FitOneCycle(3, 1e-2);
/// rec.PlotLoss("loss.png");
/// double lastLr = rec.Lrs[^1];
/// </code>
/// </example>
[Callback(Order = CallbackOrder.Recorder)]
public sealed partial class Recorder : Callback
{
    private readonly SmoothedLoss smoother;
    private readonly List<EpochRecord> epochs = new();
    private readonly List<int> epochEnds = new();
    [Checkpointed] private List<double> losses = new();
    [Checkpointed] private List<double> smoothLosses = new();
    [Checkpointed] private List<double>[][] values = Array.Empty<List<double>[]>();
    [Transient] private Hyper[] hypers = Array.Empty<Hyper>();
    [Transient] private Tensor? pendingLosses;
    [Transient] private int pendingCount;
    [Transient] private int pendingCapacity;

    // What a checkpoint keeps besides the series: the hyper-parameters by name, the smoother's running
    // average, and the epoch rows (rebuilt on load) with the batch count at each epoch's end.
    [Checkpointed] private string[] hyperNames = Array.Empty<string>();
    [Checkpointed] private double smoothAverage;
    [Checkpointed] private long smoothCount;
    [Checkpointed] private List<StoredEpoch> storedEpochs = new();

    /// <summary>Creates a recorder.</summary>
    /// <param name="beta">The smoothing factor of <see cref="SmoothLosses"/>.</param>
    public Recorder(double beta = 0.98) => smoother = new SmoothedLoss(beta);

    /// <summary>The hyper-parameters recorded per batch: <see cref="Hyper.Lr"/>, then every one a <see cref="ParamScheduler"/> schedules.</summary>
    public IReadOnlyList<Hyper> Hypers => hypers;

    /// <summary>The number of parameter groups recorded.</summary>
    public int GroupCount => values.Length == 0 ? 0 : values[0].Length;

    /// <summary>The loss of every training batch (that computed one), in order.</summary>
    public IReadOnlyList<double> Losses => losses;

    /// <summary>The smoothed, debiased loss after every training batch.</summary>
    public IReadOnlyList<double> SmoothLosses => smoothLosses;

    /// <summary>The learning rate of the last parameter group (the head) at every training batch.</summary>
    public IReadOnlyList<double> Lrs => GroupCount == 0 ? Array.Empty<double>() : Values(Hyper.Lr, GroupCount - 1);

    /// <summary>The learner's epoch row of every finished epoch (<see cref="Learner.LastEpoch"/>), in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => epochs;

    /// <summary>
    /// For each entry of <see cref="Epochs"/>, the number of training losses recorded in the fit up to
    /// the end of that epoch: the x position of the epoch's validation point on the loss plot.
    /// </summary>
    public IReadOnlyList<int> EpochEnds => epochEnds;

    /// <summary>The validation loss of every epoch whose validation loss was published.</summary>
    public IReadOnlyList<double> ValidLosses => epochs.Where(e => e.ValidLoss.HasValue).Select(e => e.ValidLoss!.Value).ToArray();

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>The value of <paramref name="hyper"/> in parameter group <paramref name="group"/> at every training batch.</summary>
    /// <exception cref="ArgumentException">That hyper-parameter was not recorded.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public IReadOnlyList<double> Values(Hyper hyper, int group = 0)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        int h = Array.IndexOf(hypers, hyper);
        if (h < 0)
        {
            throw new ArgumentException(
                $"{hyper.Handle} was not recorded; recorded: {string.Join(", ", hypers.Select(x => x.Name))} (a hyper is recorded when a ParamScheduler schedules it).",
                nameof(hyper));
        }

        if ((uint)group >= (uint)values[h].Length)
        {
            throw new ArgumentOutOfRangeException(nameof(group), group, $"The recorded optimiser has {values[h].Length} parameter group(s).");
        }

        return values[h][group];
    }

    /// <inheritdoc/>
    protected override void OnSavingState()
    {
        Flush();
        hyperNames = hypers.Select(h => h.Name).ToArray();
        (smoothAverage, smoothCount) = smoother.State;
        storedEpochs = epochs.Select((e, i) => new StoredEpoch(e.Epoch, e.Train, e.Valid, e.MetricNames, e.HasTrainMetrics, e.WallTime, epochEnds[i])).ToList();
    }

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        hypers = hyperNames
            .Select(n => Hyper.All.FirstOrDefault(h => h.Name == n) ?? throw new InvalidDataException($"Recorder: the checkpoint names an unknown hyper-parameter '{n}'."))
            .ToArray();
        smoother.State = (smoothAverage, smoothCount);
        epochs.Clear();
        epochs.AddRange(storedEpochs.Select(e => new EpochRecord(e.Epoch, e.Train, e.Valid, e.MetricNames, e.TrainMetrics, e.WallTime)));
        epochEnds.Clear();
        epochEnds.AddRange(storedEpochs.Select(e => e.End));
        ReleasePending();
    }

    [Callback]
    private void BeforeFit()
    {
        ReleasePending();
        Optimizer opt = Opt;
        var scheduled = Learn.Callbacks.OfType<ParamScheduler>().SelectMany(s => s.Hypers).ToHashSet();
        hypers = Hyper.All.Where(h => (h == Hyper.Lr || scheduled.Contains(h)) && opt.Supports(h)).ToArray();
        values = hypers.Select(_ => Enumerable.Range(0, opt.GroupCount).Select(_ => new List<double>()).ToArray()).ToArray();
        losses.Clear();
        smoothLosses.Clear();
        epochs.Clear();
        epochEnds.Clear();
        smoother.Reset();
    }

    [Callback]
    private void AfterBatch()
    {
        if (!Training || Learn.Loss is null)
        {
            return;
        }

        Optimizer opt = Opt;
        for (int h = 0; h < hypers.Length; h++)
        {
            List<double>[] perGroup = values[h];
            for (int g = 0; g < perGroup.Length; g++)
            {
                perGroup[g].Add(opt.Get(hypers[h], g));
            }
        }

        Tensor loss = Learn.Loss;
        if (pendingLosses is null || pendingCount == pendingCapacity)
        {
            Flush();
            ReleasePending();
            // Lives across batches: kept out of the per-batch dispose scope, released by Flush's owner.
            pendingCapacity = Math.Max(NIter, 1);
            pendingLosses = zeros(pendingCapacity, ScalarType.Float64, loss.device).DetachFromDisposeScope();
        }

        // Two tensor operations per batch (a view and an in-place copy, float32 into float64 inside
        // copy_), no host read: the buffer is read once, at the end of the phase.
        using (no_grad())
        using (Tensor slot = pendingLosses.narrow(0, pendingCount, 1))
        {
            slot.copy_(loss.dim() == 0 ? loss : loss.mean());
        }

        pendingCount++;
    }

    [Callback]
    private void AfterTrain() => Flush();

    [Callback]
    private void AfterEpoch()
    {
        Flush();
        // The learner's one row (null only when its AvgStatsCallback was removed: nothing to keep).
        if (Learn.LastEpoch is EpochRecord row)
        {
            epochs.Add(row);
            epochEnds.Add(losses.Count);
        }
    }

    [Callback]
    private void AfterFit()
    {
        Flush();
        ReleasePending();
    }

    private void Flush()
    {
        if (pendingLosses is null || pendingCount == 0)
        {
            return;
        }

        double[] batch;
        using (Tensor part = pendingLosses.narrow(0, 0, pendingCount))
        using (Tensor cpu = part.cpu())
        {
            batch = cpu.data<double>().ToArray();
        }

        pendingCount = 0;
        foreach (double loss in batch)
        {
            losses.Add(loss);
            smoothLosses.Add(smoother.Add(loss));
        }
    }

    private void ReleasePending()
    {
        pendingLosses?.Dispose();
        pendingLosses = null;
        pendingCount = 0;
    }

    /// <summary>An epoch row as a checkpoint keeps it, with the number of batches recorded when it ended.</summary>
    internal sealed record StoredEpoch(int Epoch, PhaseStats? Train, PhaseStats? Valid, IReadOnlyList<string> MetricNames, bool TrainMetrics, TimeSpan WallTime, int End);
}
