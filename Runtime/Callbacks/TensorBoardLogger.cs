using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Writes a fit to TensorBoard with TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>: the
/// training loss, and the learning rate and momentum of each parameter group, every
/// <see cref="LogEvery"/> training batches (step: the training batch count); the epoch's losses,
/// metrics, learning rates and momentums at the end of each epoch (step: the epoch); and optionally
/// histograms of every parameter and its gradient every <see cref="HistogramEvery"/> batches.
/// </summary>
/// <remarks>
/// TorchSharp's writer opens, appends to and closes the event file on every value, synchronously,
/// so per-batch values are throttled (<see cref="LogEvery"/>) and each logged batch reads its loss
/// from the device once. Each fit writes a new event file (<c>events.out.tfevents.*</c>) in
/// <see cref="LogDir"/>. Tags: <c>train/loss</c>, <c>train/lr/group{i}</c>, <c>train/mom/group{i}</c> per
/// batch; <c>epoch/{column}</c> for each column of the epoch row (<see cref="Learner.LastEpoch"/>:
/// <c>epoch/train_loss</c>, <c>epoch/valid_loss</c>, <c>epoch/accuracy</c> …; a phase that did not run
/// writes nothing), <c>epoch/lr/group{i}</c>, <c>epoch/mom/group{i}</c> per epoch; <c>weights/{name}</c>
/// and <c>grads/{name}</c> for histograms. Runs at <see cref="CallbackOrder.TensorBoard"/>, after the row is built. Fits only
/// (<see cref="RunsIn"/>).
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(3, cbs: new Callback[] { new TensorBoardLogger("runs/tb", logEvery: 10) });
/// </code>
/// </example>
[Callback(Order = CallbackOrder.TensorBoard)]
public sealed partial class TensorBoardLogger : Callback
{
    // An open event file of the current fit; a resumed fit opens its own.
    [Transient] private TorchSharp.Modules.SummaryWriter? writer;

    /// <summary>Creates the logger.</summary>
    /// <param name="logDir">The folder for the event files (created when missing).</param>
    /// <param name="logEvery">Write the per-batch values every this many training batches (1: every batch).</param>
    /// <param name="histogramEvery">Write weight and gradient histograms every this many training batches; 0: never.</param>
    public TensorBoardLogger(string logDir, int logEvery = 20, int histogramEvery = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDir);
        ArgumentOutOfRangeException.ThrowIfLessThan(logEvery, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(histogramEvery);
        LogDir = Path.GetFullPath(logDir);
        LogEvery = logEvery;
        HistogramEvery = histogramEvery;
    }

    /// <summary>The folder of the event files.</summary>
    public string LogDir { get; }

    /// <summary>Per-batch values are written every this many training batches.</summary>
    public int LogEvery { get; }

    /// <summary>Histograms are written every this many training batches (0: never).</summary>
    public int HistogramEvery { get; }

    /// <summary>Fits only: an LR finder run, a validation or a prediction writes nothing.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    [Callback]
    private void BeforeFit() => writer = utils.tensorboard.SummaryWriter(LogDir);

    [Callback]
    private void AfterBackward()
    {
        // Gradients exist between backward and zero-grad only.
        if (writer is null || HistogramEvery == 0 || TrainIter % HistogramEvery != 0)
        {
            return;
        }

        int step = (int)TrainIter;
        foreach (var (name, p) in Model.named_parameters())
        {
            using Tensor w = p.detach().cpu().to_type(ScalarType.Float32);
            writer.add_histogram("weights/" + name, w, step);
            if (p.grad is Tensor g)
            {
                using Tensor gc = g.detach().cpu().to_type(ScalarType.Float32);
                writer.add_histogram("grads/" + name, gc, step);
            }
        }
    }

    [Callback]
    private void AfterBatch()
    {
        // TrainIter counts this batch already (TrainEval ran first): log batches 1, 1+N, 1+2N, …
        if (writer is null || !Training || Loss is null || (TrainIter - 1) % LogEvery != 0)
        {
            return;
        }

        int step = (int)TrainIter;
        writer.add_scalar("train/loss", Loss.detach().mean().item<float>(), step);
        WriteHypers("train", step);
    }

    [Callback]
    private void AfterEpoch()
    {
        if (writer is null)
        {
            return;
        }

        // The learner's one epoch row (built by AvgStatsCallback): the numbers the table and the CSV show.
        if (Learn.LastEpoch is not EpochRecord row)
        {
            return;
        }

        int step = row.Epoch;
        for (int i = 0; i < row.Columns.Count; i++)
        {
            if (double.IsFinite(row.Values[i]))
            {
                writer.add_scalar("epoch/" + row.Columns[i], (float)row.Values[i], step);
            }
        }

        WriteHypers("epoch", step);
    }

    [Callback]
    private void AfterFit() => writer = null;

    /// <summary>Drops the writer however the fit ended (TorchSharp's writer holds no open file between writes).</summary>
    protected internal override void Teardown(Exception? error) => writer = null;

    private void WriteHypers(string prefix, int step)
    {
        Optimizer opt = Opt;
        bool mom = opt.Supports(Hyper.Mom);
        for (int g = 0; g < opt.GroupCount; g++)
        {
            string group = "group" + g.ToString(CultureInfo.InvariantCulture);
            writer!.add_scalar($"{prefix}/lr/{group}", (float)opt.Get(Hyper.Lr, g), step);
            if (mom)
            {
                writer.add_scalar($"{prefix}/mom/{group}", (float)opt.Get(Hyper.Mom, g), step);
            }
        }
    }
}
