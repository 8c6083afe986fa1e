using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Base class of every callback. Derive a <c>partial</c> class from it and mark handlers with
/// <see cref="CallbackAttribute"/>; the CallbackGen source generator writes the dispatch
/// (no reflection, no lookup by name). The learner's state is available as typed properties.
/// </summary>
/// <example>
/// <code>
/// public partial class StopAfter(int iterations) : Callback
/// {
///     [Callback] private void AfterBatch() { if (TrainIter >= iterations) throw new CancelFitException(); }
/// }
/// </code>
/// </example>
public abstract partial class Callback
{
    private Learner? learn;

    /// <summary>Creates the callback.</summary>
    /// <exception cref="InvalidOperationException">The class declares [Callback] handlers or [Checkpointed] members
    /// but the CallbackGen source generator did not run on its project (the message says the line that fixes it).</exception>
    protected Callback()
    {
        GeneratedCodeCheck.ThrowIfMissing(GetType());
    }

    /// <summary>The learner this callback is attached to; throws when it is not attached.</summary>
    public Learner Learn
    {
        get => learn ?? throw new InvalidOperationException(
            $"Callback '{GetType().Name}' is not attached to a Learner: its state is only available while it is in a learner's callback list.");
        internal set => learn = value;
    }

    /// <summary>True while the callback is attached to a learner.</summary>
    public bool IsAttached => learn is not null;

    /// <summary>The model being trained.</summary>
    protected nn.Module<Tensor, Tensor> Model => Learn.Model;

    /// <summary>The optimiser (created at the start of the fit).</summary>
    protected Optimizer Opt => Learn.Opt;

    /// <summary>The current batch's inputs. Setting it (in <c>BeforeBatch</c>) replaces them.</summary>
    protected Tensor Xb { get => Learn.Xb; set => Learn.Xb = value; }

    /// <summary>The current batch's targets. Setting it (in <c>BeforeBatch</c>) replaces them.</summary>
    protected Tensor Yb { get => Learn.Yb; set => Learn.Yb = value; }

    /// <summary>The model's output for the current batch (valid from <c>AfterPred</c>).</summary>
    protected Tensor Pred { get => Learn.Pred; set => Learn.Pred = value; }

    /// <summary>The current batch's loss (valid from <c>AfterLoss</c>). Setting it changes what is back-propagated.</summary>
    protected Tensor Loss { get => Learn.Loss; set => Learn.Loss = value; }

    /// <summary>The current epoch, from 0.</summary>
    protected int Epoch => Learn.Epoch;

    /// <summary>The number of epochs of the fit.</summary>
    protected int NEpoch => Learn.NEpoch;

    /// <summary>The batch index within the current phase, from 0.</summary>
    protected int Iter => Learn.Iter;

    /// <summary>The number of batches of the current phase.</summary>
    protected int NIter => Learn.NIter;

    /// <summary>The fraction of the fit's training done, in [0, 1].</summary>
    protected double PctTrain => Learn.PctTrain;

    /// <summary>The number of training batches run so far in the fit.</summary>
    protected long TrainIter => Learn.TrainIter;

    /// <summary>True in the training phase, false in validation.</summary>
    protected bool Training => Learn.Training;

    /// <summary>
    /// The averages of this epoch's training phase (loss and metrics), published at <c>AfterTrain</c>
    /// by <see cref="AvgStatsCallback"/> (<see cref="CallbackOrder.AvgStats"/>); null before then in each epoch.
    /// </summary>
    protected PhaseStats? TrainStats => Learn.TrainStats;

    /// <summary>
    /// The averages of this epoch's (or a <see cref="Learner.Validate"/>'s) validation phase, published at
    /// <c>AfterValidate</c> by <see cref="AvgStatsCallback"/> (<see cref="CallbackOrder.AvgStats"/>); null before then in each epoch.
    /// </summary>
    protected PhaseStats? ValidStats => Learn.ValidStats;

    /// <summary>The loader of the current phase: the training loader in training, the validation loader in validation.</summary>
    protected DataLoader? Dl => Learn.Dl;

    /// <summary>The learner's default learning rate (what the optimiser's groups hold now is in <see cref="Opt"/>).</summary>
    protected double Lr => Learn.Lr;

    /// <summary>The learner's data: its training and validation loaders.</summary>
    protected DataBunch Data => Learn.Data;

    /// <summary>The device the learner trains on; batches (<see cref="Xb"/>, <see cref="Yb"/>) are already there.</summary>
    protected Device Device => Learn.Device;

    /// <summary>The learner's metrics, in the order their values appear in <see cref="TrainStats"/> and <see cref="ValidStats"/>.</summary>
    protected IReadOnlyList<Metric> Metrics => Learn.Metrics;

    /// <summary>The kind of the run in progress (or of the last run): fit, LR finder, validation or prediction.</summary>
    protected RunKind RunKind => Learn.RunKind;

    /// <summary>
    /// The kinds of run in which this callback's handlers (and its <see cref="Teardown"/>) are called;
    /// every kind by default. Callbacks that write or report results (checkpoints, logs, trackers,
    /// the epoch table) return <see cref="RunKinds.Fit"/>, so an LR finder, a validation or a
    /// prediction leaves their files and their state as it found them.
    /// </summary>
    /// <example><code>public override RunKinds RunsIn => RunKinds.Fit | RunKinds.Validate;</code></example>
    public virtual RunKinds RunsIn => RunKinds.All;

    /// <summary>A short name for logs and the dispatch plan (the type's name by default).</summary>
    public virtual string Name => GetType().Name;

    /// <summary>
    /// Called once at the very end of every run this callback takes part in (see <see cref="RunsIn"/>):
    /// <see cref="Learner.Fit(int, double?, IEnumerable{Callback}?)"/>, <see cref="Learner.Validate"/>, <see cref="Learner.LrFind"/>,
    /// however the run ended: normally, cancelled, or by an exception (then <paramref name="error"/> is
    /// that exception, which keeps propagating after every callback's teardown ran). Release here what
    /// the callback holds only while a run is going on (an open file, a live display), because
    /// <c>AfterFit</c> does not fire when a fit fails. Keep it idempotent: it also runs when the
    /// callback never acquired anything. The callback is still attached while this runs.
    /// </summary>
    /// <param name="error">The exception ending the run, or null when it ended normally or was cancelled.</param>
    protected internal virtual void Teardown(Exception? error)
    {
    }

    // ---- The generated-code contract. The CallbackGen generator overrides these three members in
    // ---- the partial part of every [Callback] class; hand-written overrides are not supported.

    /// <summary>Generated: the events this class handles.</summary>
    protected virtual EventSet GetHandledEvents() => EventSet.Empty;

    /// <summary>Generated: the order of this class's handler for <paramref name="e"/>.</summary>
    protected virtual int GetHandlerOrder(Event e) => 0;

    /// <summary>Generated: calls this class's handler for <paramref name="e"/> (a switch, no lookup).</summary>
    protected virtual void InvokeHandler(Event e)
    {
    }

    internal EventSet HandledEvents => GetHandledEvents();

    internal int OrderOf(Event e) => GetHandlerOrder(e);

    internal void Invoke(Event e) => InvokeHandler(e);
}
