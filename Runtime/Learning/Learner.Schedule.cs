using CallbackGen.Checkpoints;
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
    /// <param name="resumeFrom">
    /// A checkpoint of an interrupted one-cycle fit to continue (see <see cref="Fit(int, string, double?, IEnumerable{Callback}?, bool)"/>):
    /// the schedule is rebuilt from these arguments and must equal the one the checkpoint records.
    /// </param>
    /// <param name="strict">As in <see cref="Fit(int, string, double?, IEnumerable{Callback}?, bool)"/>.</param>
    /// <example>
    /// <code>
    /// learn.FitOneCycle(3, lrMax: 1e-2);
    /// learn.FitOneCycle(3, lrMax: 1e-2, resumeFrom: "runs/last.ckpt", cbs: new[] { new SaveModel("runs/last.ckpt") });
    /// </code>
    /// </example>
    public void FitOneCycle(int epochs, double lrMax, double div = OneCycle.Div, double divFinal = OneCycle.DivFinal, double pctStart = OneCycle.PctStart,
        (double Start, double Middle, double End)? moms = null, double? wd = null, IEnumerable<Callback>? cbs = null, string? resumeFrom = null, bool strict = true)
    {
        var (momStart, momMiddle, momEnd) = moms ?? (OneCycle.MomStart, OneCycle.MomMiddle, OneCycle.MomEnd);
        FitOneCycle(epochs, new OneCycleSpec(new[] { lrMax }, false, div, divFinal, pctStart, momStart, momMiddle, momEnd, wd), cbs, resumeFrom, strict);
    }

    /// <summary>
    /// Trains with the one-cycle policy and discriminative learning rates: parameter group
    /// <c>i</c> peaks at <paramref name="lrMax"/>[i] (for example body 1e-3, head 1e-2).
    /// See <see cref="FitOneCycle(int, double, double, double, double, ValueTuple{double, double, double}?, double?, IEnumerable{Callback}?, string?, bool)"/>.
    /// </summary>
    /// <param name="epochs">The number of epochs.</param>
    /// <param name="lrMax">The peak learning rate of each parameter group, one per group.</param>
    /// <param name="div">The learning rates start at <c>lrMax/div</c>.</param>
    /// <param name="divFinal">The learning rates end at <c>lrMax/divFinal</c>.</param>
    /// <param name="pctStart">The fraction of training spent warming up.</param>
    /// <param name="moms">The momentum at the start, at the peak and at the end; null for 0.95, 0.85, 0.95.</param>
    /// <param name="wd">A weight decay to set on every group first; null leaves it as it is.</param>
    /// <param name="cbs">More callbacks for this fit only.</param>
    /// <param name="resumeFrom">A checkpoint of an interrupted one-cycle fit to continue; see the other overload.</param>
    /// <param name="strict">As in <see cref="Fit(int, string, double?, IEnumerable{Callback}?, bool)"/>.</param>
    public void FitOneCycle(int epochs, double[] lrMax, double div = OneCycle.Div, double divFinal = OneCycle.DivFinal, double pctStart = OneCycle.PctStart,
        (double Start, double Middle, double End)? moms = null, double? wd = null, IEnumerable<Callback>? cbs = null, string? resumeFrom = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(lrMax);
        if (lrMax.Length == 0)
        {
            throw new ArgumentException("Give one peak learning rate per parameter group.", nameof(lrMax));
        }

        var (momStart, momMiddle, momEnd) = moms ?? (OneCycle.MomStart, OneCycle.MomMiddle, OneCycle.MomEnd);
        FitOneCycle(epochs, new OneCycleSpec(lrMax.ToArray(), true, div, divFinal, pctStart, momStart, momMiddle, momEnd, wd), cbs, resumeFrom, strict);
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

        // Model and optimiser through the one snapshot (on the device: the restore is a copy there);
        // the loop's counters and statistics and the random generators beside it.
        using TrainingSnapshot snapshot = TrainingSnapshot.Take(Model, hadOptimizer ? optimizer : null);
        LoopState loop = LoopState.Of(this);
        Checkpoints.GeneratorStates rng = Checkpoints.GeneratorStates.Of(this);

        // Attached callbacks that take part in the finder (a user's, unless it opts out with RunsIn) get their
        // checkpoint state back afterwards, through the same state code a checkpoint uses: the finder leaves
        // every callback as it found it. (Callbacks without checkpoint state keep nothing a fit resumes from.)
        var states = new List<(Callback Callback, byte[] State)>();
        foreach (Callback cb in Callbacks)
        {
            if (cb.IsStateful && cb.RunsIn.Includes(RunKind.LrFind))
            {
                states.Add((cb, IO.BinaryBytes.Of(w => Checkpoints.CallbackState.Save(cb, w))));
            }
        }

        try
        {
            RunFit(RunKind.LrFind, epochs, lr: null, cbs: new[] { finder });
        }
        finally
        {
            foreach ((Callback cb, byte[] state) in states)
            {
                using var r = new BinaryReader(new MemoryStream(state));
                Checkpoints.CallbackState.Load(cb, r, Device);
            }

            loop.Restore(this);
            rng.Apply(this);
            snapshot.RestoreWeights(Model);
            if (hadOptimizer)
            {
                snapshot.RestoreOptimizer(optimizer);
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

    /// <summary>The one-cycle fit in progress (kept in its checkpoints), or null.</summary>
    internal OneCycleSpec? OneCycleInProgress { get; private set; }

    private void FitOneCycle(int epochs, OneCycleSpec spec, IEnumerable<Callback>? cbs, string? resumeFrom, bool strict)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        Checkpoint? resume = resumeFrom is null ? null : ReadForResume(resumeFrom);
        bool hadOptimizer = opt is not null;
        Optimizer optimizer = opt ?? CreateOptimizer();
        ParamScheduler scheduler;
        try
        {
            scheduler = spec.CreateScheduler(optimizer);
        }
        catch when (!hadOptimizer)
        {
            DropOptimizer();
            throw;
        }

        Callback[] all = cbs is null ? new Callback[] { scheduler } : cbs.Prepend(scheduler).ToArray();
        if (resume is not null)
        {
            Resume(resume, epochs, lr: null, all, strict, spec, hadOptimizer);
            return;
        }

        Lr = spec.LrMax.Max();
        if (spec.Wd is double decay)
        {
            optimizer.Set(Hyper.Wd, decay);
        }

        OneCycleInProgress = spec;
        try
        {
            Fit(epochs, cbs: all);
        }
        finally
        {
            OneCycleInProgress = null;
        }
    }
}
