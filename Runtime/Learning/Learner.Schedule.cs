using static TorchSharp.torch;

namespace CallbackGen;

/// <content>One-cycle training and the learning-rate finder.</content>
public sealed partial class Learner
{
    /// <summary>
    /// Trains with the one-cycle policy (fastai v2): the learning rate warms up from
    /// <c>lrMax/div</c> to <paramref name="lrMax"/> over the first <paramref name="pctStart"/> of
    /// training and anneals to <c>lrMax/divFinal</c>, by cosines; the momentum (SGD momentum, Adam
    /// beta1) goes the other way, 0.95 → 0.85 → 0.95. Every parameter group gets the same schedule.
    /// </summary>
    /// <param name="epochs">The number of epochs.</param>
    /// <param name="lrMax">The peak learning rate.</param>
    /// <param name="div">The learning rate starts at <c>lrMax/div</c>.</param>
    /// <param name="divFinal">The learning rate ends at <c>lrMax/divFinal</c>.</param>
    /// <param name="pctStart">The fraction of training spent warming up.</param>
    /// <param name="moms">The momentum at the start, at the peak and at the end; null for 0.95, 0.85, 0.95.</param>
    /// <param name="wd">A weight decay to set on every group first; null leaves it as it is.</param>
    /// <param name="cbs">More callbacks for this fit only.</param>
    /// <example>
    /// <code>
    /// learn.FitOneCycle(3, lrMax: 1e-2);
    /// </code>
    /// </example>
    public void FitOneCycle(int epochs, double lrMax, double div = OneCycle.Div, double divFinal = OneCycle.DivFinal, double pctStart = OneCycle.PctStart,
        (double Start, double Middle, double End)? moms = null, double? wd = null, IEnumerable<Callback>? cbs = null)
    {
        Schedule lr = Schedules.OneCycleLr(lrMax, div, divFinal, pctStart);
        FitOneCycle(epochs, lrMax, _ => new ParamScheduler(Hyper.Lr, lr), pctStart, moms, wd, cbs);
    }

    /// <summary>
    /// Trains with the one-cycle policy and discriminative learning rates: parameter group
    /// <c>i</c> peaks at <paramref name="lrMax"/>[i] (for example body 1e-3, head 1e-2).
    /// See <see cref="FitOneCycle(int, double, double, double, double, ValueTuple{double, double, double}?, double?, IEnumerable{Callback}?)"/>.
    /// </summary>
    /// <param name="epochs">The number of epochs.</param>
    /// <param name="lrMax">The peak learning rate of each parameter group, one per group.</param>
    /// <param name="div">The learning rates start at <c>lrMax/div</c>.</param>
    /// <param name="divFinal">The learning rates end at <c>lrMax/divFinal</c>.</param>
    /// <param name="pctStart">The fraction of training spent warming up.</param>
    /// <param name="moms">The momentum at the start, at the peak and at the end; null for 0.95, 0.85, 0.95.</param>
    /// <param name="wd">A weight decay to set on every group first; null leaves it as it is.</param>
    /// <param name="cbs">More callbacks for this fit only.</param>
    public void FitOneCycle(int epochs, double[] lrMax, double div = OneCycle.Div, double divFinal = OneCycle.DivFinal, double pctStart = OneCycle.PctStart,
        (double Start, double Middle, double End)? moms = null, double? wd = null, IEnumerable<Callback>? cbs = null)
    {
        ArgumentNullException.ThrowIfNull(lrMax);
        if (lrMax.Length == 0)
        {
            throw new ArgumentException("Give one peak learning rate per parameter group.", nameof(lrMax));
        }

        Schedule[] lrs = lrMax.Select(l => Schedules.OneCycleLr(l, div, divFinal, pctStart)).ToArray();
        FitOneCycle(epochs, lrMax.Max(), opt => opt.GroupCount == lrs.Length
            ? new ParamScheduler(Hyper.Lr, lrs)
            : throw new ArgumentException($"FitOneCycle got {lrs.Length} peak learning rates but the optimiser has {opt.GroupCount} parameter group(s): give one per group.", nameof(lrMax)),
            pctStart, moms, wd, cbs);
    }

    /// <summary>
    /// The learning-rate range test: trains for up to <paramref name="numIt"/> batches with a learning
    /// rate growing exponentially from <paramref name="startLr"/> to <paramref name="endLr"/>, without
    /// validation, stopping early when the smoothed loss exceeds 4× its best (<paramref name="stopDiv"/>).
    /// Afterwards the model's weights and buffers, the optimiser's state, the random generators (torch's
    /// default and the loaders') and the learner's counters and statistics are restored bit for bit,
    /// also when the test throws.
    /// </summary>
    /// <remarks>
    /// The test is a run of kind <see cref="RunKind.LrFind"/>: callbacks whose <see cref="Callback.RunsIn"/>
    /// leaves it out (<see cref="SaveModel"/>, <see cref="CsvLogger"/>, <see cref="EarlyStopping"/>,
    /// <see cref="Recorder"/>, <see cref="ParamScheduler"/>, <see cref="Progress"/>) see none of it, so
    /// their files and state are as the test found them.
    /// </remarks>
    /// <param name="startLr">The first learning rate.</param>
    /// <param name="endLr">The last learning rate.</param>
    /// <param name="numIt">The number of batches at most (the training data is repeated as needed).</param>
    /// <param name="stopDiv">Stop once the loss diverges.</param>
    /// <returns>The curve and the suggested learning rates.</returns>
    /// <example>
    /// <code>
    /// LrFindResult r = learn.LrFind();
    /// r.Plot("lr_find.png");
    /// learn.FitOneCycle(3, r.SteepestLr);
    /// </code>
    /// </example>
    public LrFindResult LrFind(double startLr = 1e-7, double endLr = 10, int numIt = 100, bool stopDiv = true)
    {
        var finder = new LrFinder(startLr, endLr, numIt, stopDiv);
        bool hadOptimizer = opt is not null;
        Optimizer optimizer = opt ?? CreateOptimizer();
        int batchesPerEpoch = Math.Max(1, Data.Train.Count);
        int epochs = (numIt + batchesPerEpoch - 1) / batchesPerEpoch;

        using var optState = new MemoryStream();
        using (var writer = new BinaryWriter(optState, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            optimizer.SaveState(writer);
        }

        Dictionary<string, Tensor> weights = SnapshotWeights();
        LoopState loop = LoopState.Of(this);
        byte[] rng = Checkpoints.Checkpoint.SaveRng(this);
        try
        {
            RunFit(RunKind.LrFind, epochs, lr: null, cbs: new[] { finder });
        }
        finally
        {
            loop.Restore(this);
            Checkpoints.Checkpoint.LoadRng(this, rng);
            RestoreWeights(weights);
            if (hadOptimizer)
            {
                optState.Position = 0;
                using var reader = new BinaryReader(optState);
                optimizer.LoadState(reader);
            }
            else
            {
                // There was no optimiser before: leave none, so the next fit starts fresh as it would have.
                optimizer.Dispose();
                opt = null;
            }
        }

        return finder.Result();
    }

    private void FitOneCycle(int epochs, double lrMax, Func<Optimizer, ParamScheduler> lrScheduler, double pctStart,
        (double Start, double Middle, double End)? moms, double? wd, IEnumerable<Callback>? cbs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        var (momStart, momMiddle, momEnd) = moms ?? (OneCycle.MomStart, OneCycle.MomMiddle, OneCycle.MomEnd);
        Schedule mom = Schedules.OneCycleMom(momStart, momMiddle, momEnd, pctStart);
        Lr = lrMax;
        Optimizer optimizer = opt ?? CreateOptimizer();
        if (wd is double decay)
        {
            optimizer.Set(Hyper.Wd, decay);
        }

        ParamScheduler scheduler = lrScheduler(optimizer);
        if (optimizer.Supports(Hyper.Mom))
        {
            scheduler.Add(Hyper.Mom, mom);
        }

        Fit(epochs, cbs: cbs is null ? new Callback[] { scheduler } : cbs.Prepend(scheduler).ToArray());
    }

    private Dictionary<string, Tensor> SnapshotWeights()
    {
        var copy = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in Model.state_dict())
        {
            copy[name] = tensor.detach().clone().DetachFromDisposeScope();
        }

        return copy;
    }

    private void RestoreWeights(Dictionary<string, Tensor> weights)
    {
        using (no_grad())
        {
            foreach (var (name, tensor) in Model.state_dict())
            {
                tensor.copy_(weights[name]);
            }
        }

        foreach (Tensor t in weights.Values)
        {
            t.Dispose();
        }
    }
}
