using CallbackGen.Checkpoints;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Trains a model on a <see cref="DataBunch"/> with a loss function and an optimiser, calling its
/// callbacks' handlers at each training event with fastai v2's semantics (see <c>docs/events.md</c>).
/// </summary>
/// <example>
/// <code>
/// using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.5,
///                               metrics: new[] { Metric.Accuracy });
/// learn.Fit(3);
/// Console.WriteLine($"valid loss {learn.ValidStats!.Loss:F4}, accuracy {learn.ValidStats["accuracy"]:P1}");
/// </code>
/// </example>
public sealed partial class Learner : IDisposable
{
    private readonly List<Callback> callbacks = new();
    private readonly EventDispatcher dispatcher;
    private Optimizer? opt;
    private bool running;

    // The model's BatchNorm counters, advanced with held Scalars during a run (see BatchNormCounters).
    private BatchNormCounters? batchNorms;
    private bool warnedAboutLoaderThreads;
    private bool disposed;

    // The loop's bodies as delegates made once: a method group converted at each call would
    // allocate a delegate per batch.
    private readonly Action doFit, doEpoch, allBatches, doOneBatch, doBackward, doStep;

    /// <summary>Creates a learner.</summary>
    /// <param name="model">The model to train; moved to <paramref name="device"/>.</param>
    /// <param name="data">Training and validation batches.</param>
    /// <param name="lossFunc">The loss: (prediction, target) → scalar tensor (for example <see cref="Losses.CrossEntropy"/>).</param>
    /// <param name="optFunc">Creates the optimiser at the first fit; default plain SGD.</param>
    /// <param name="lr">The default learning rate.</param>
    /// <param name="cbs">
    /// Callbacks kept for every fit; the learner owns them from now on (see <see cref="Dispose"/>).
    /// A <see cref="TrainEvalCallback"/>, an <see cref="AvgStatsCallback"/> and a <see cref="TerminateOnNaN"/> are always added.
    /// </param>
    /// <param name="metrics">
    /// Metrics computed over every validation phase into <see cref="ValidStats"/> (and over training
    /// into <see cref="TrainStats"/> when <paramref name="trainMetrics"/> is true).
    /// </param>
    /// <param name="device">
    /// Where to train: <see cref="Devices.Cpu"/>, <see cref="Devices.Cuda"/> or <see cref="Devices.Parse"/>("cuda:1");
    /// null keeps the device the model's parameters are on. The model is moved there now and every
    /// batch is moved there as it is drawn.
    /// </param>
    /// <param name="trainMetrics">
    /// Also compute the metrics over every training batch (fastai's <c>train_metrics</c>). Off by
    /// default: metrics on training batches cost time on every batch and mostly repeat what the
    /// training loss says; the training loss is always averaged.
    /// </param>
    /// <exception cref="InvalidOperationException">CUDA was asked for and this process has no CUDA libtorch or no GPU.</exception>
    public Learner(
        nn.Module<Tensor, Tensor> model,
        DataBunch data,
        Func<Tensor, Tensor, Tensor> lossFunc,
        OptimizerFactory? optFunc = null,
        double lr = 1e-2,
        IEnumerable<Callback>? cbs = null,
        IEnumerable<Metric>? metrics = null,
        Device? device = null,
        bool trainMetrics = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        LossFunc = lossFunc ?? throw new ArgumentNullException(nameof(lossFunc));
        OptFunc = optFunc ?? Optimizer.Sgd();
        Lr = lr;
        Metrics = CheckMetrics(metrics);
        TrainMetrics = trainMetrics;
        Device = ResolveDevice(device, model);
        MoveModelToDevice();
        dispatcher = new EventDispatcher(callbacks);
        (doFit, doEpoch, allBatches, doOneBatch, doBackward, doStep) = (DoFit, DoEpoch, AllBatches, DoOneBatch, DoBackward, DoStep);
        Add(new TrainEvalCallback());
        Add(new AvgStatsCallback());
        Add(new TerminateOnNaN());
        if (cbs is not null)
        {
            foreach (Callback cb in cbs)
            {
                Add(cb);
            }
        }
    }

    /// <summary>The model being trained.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The data.</summary>
    public DataBunch Data { get; }

    /// <summary>The loss function.</summary>
    public Func<Tensor, Tensor, Tensor> LossFunc { get; }

    /// <summary>Creates the optimiser.</summary>
    public OptimizerFactory OptFunc { get; }

    /// <summary>The metrics computed into <see cref="ValidStats"/> (and <see cref="TrainStats"/> when <see cref="TrainMetrics"/>), in order.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>Whether the metrics are computed over training batches too (off by default: validation only).</summary>
    public bool TrainMetrics { get; }

    /// <summary>The default learning rate.</summary>
    public double Lr { get; set; }

    /// <summary>The optimiser; created by the first fit (or <see cref="CreateOptimizer"/>).</summary>
    public Optimizer Opt
    {
        get => opt ?? throw new InvalidOperationException("The optimiser does not exist yet: it is created at the start of the first fit (or by CreateOptimizer()).");
        private set => opt = value;
    }

    /// <summary>The callbacks attached now, in the order they were added.</summary>
    public IReadOnlyList<Callback> Callbacks => callbacks;

    /// <summary>The current batch's inputs.</summary>
    public Tensor Xb { get; set; } = null!;

    /// <summary>The current batch's targets.</summary>
    public Tensor Yb { get; set; } = null!;

    /// <summary>The current batch's predictions.</summary>
    public Tensor Pred { get; set; } = null!;

    /// <summary>The current batch's loss.</summary>
    public Tensor Loss { get; set; } = null!;

    /// <summary>The current epoch, from 0.</summary>
    public int Epoch { get; internal set; }

    /// <summary>The number of epochs of the current fit.</summary>
    public int NEpoch { get; internal set; }

    /// <summary>The batch index within the current phase.</summary>
    public int Iter { get; internal set; }

    /// <summary>The number of batches of the current phase.</summary>
    public int NIter { get; internal set; }

    /// <summary>The fraction of the fit's training done, in [0, 1].</summary>
    public double PctTrain { get; internal set; }

    /// <summary>Training batches run so far in this fit.</summary>
    public long TrainIter { get; internal set; }

    /// <summary>True in the training phase.</summary>
    public bool Training { get; internal set; }

    /// <summary>
    /// The averages of this epoch's training phase, published by <see cref="AvgStatsCallback"/> at
    /// <c>AfterTrain</c>; null from <c>BeforeEpoch</c> until then (and when the phase was skipped).
    /// </summary>
    public PhaseStats? TrainStats { get; internal set; }

    /// <summary>
    /// The averages of this epoch's (or <see cref="Validate"/>'s) validation phase, published by
    /// <see cref="AvgStatsCallback"/> at <c>AfterValidate</c>; null from <c>BeforeEpoch</c> until then
    /// (and when the epoch was cancelled before validating).
    /// </summary>
    public PhaseStats? ValidStats { get; internal set; }

    /// <summary>
    /// The row of the epoch that just ended (epoch, training and validation stats, metrics, wall
    /// time), built once by <see cref="AvgStatsCallback"/> at <c>AfterEpoch</c> and read by
    /// every logger and tracker; null from <c>BeforeEpoch</c> until then, and before the first epoch of a run.
    /// Once a fit cancelled in the middle of an epoch has returned, it is the last completed epoch's row, and
    /// <see cref="TrainStats"/> and <see cref="ValidStats"/>, where the cancelled epoch left them null, that row's.
    /// </summary>
    public EpochRecord? LastEpoch { get; internal set; }

    /// <summary>The row of this fit's last completed epoch (set with <see cref="LastEpoch"/> at <c>AfterEpoch</c>, kept through later epochs).</summary>
    internal EpochRecord? LastCompletedEpoch { get; set; }

    /// <summary>The loader of the current phase.</summary>
    public DataLoader? Dl { get; private set; }

    /// <summary>Attaches a callback for every later fit (also allowed from a handler during a fit).</summary>
    /// <exception cref="InvalidOperationException">The callback is already attached to a learner, or it keeps
    /// checkpoint state under the same <see cref="Callback.StateKey"/> as an attached one (the message names both).</exception>
    public Learner Add(Callback cb)
    {
        ArgumentNullException.ThrowIfNull(cb);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (cb.IsAttached)
        {
            throw new InvalidOperationException($"Callback '{cb.Name}' is already attached to a learner; a callback instance serves one learner at a time.");
        }

        if (cb.IsStateful && callbacks.FirstOrDefault(c => c.IsStateful && c.StateKey == cb.StateKey) is Callback same)
        {
            throw new InvalidOperationException(
                $"Callback '{cb.Name}' keeps its checkpoint state under the key '{cb.StateKey}', which the attached callback '{same.Name}' already uses: " +
                $"a checkpoint could not tell them apart. Give one of them its own key, for example new {cb.GetType().Name}(…) {{ StateKey = \"{cb.StateKey}-2\" }}.");
        }

        cb.Learn = this;
        callbacks.Add(cb);
        dispatcher.Invalidate();
        return this;
    }

    /// <summary>Detaches a callback (also allowed from a handler during a fit); true when it was attached here.</summary>
    /// <exception cref="InvalidOperationException">
    /// The callback is the learner's <see cref="TrainEvalCallback"/>, which the loop depends on.
    /// </exception>
    public bool Remove(Callback cb)
    {
        ArgumentNullException.ThrowIfNull(cb);
        if (cb is TrainEvalCallback && callbacks.Contains(cb))
        {
            throw new InvalidOperationException(
                "The TrainEvalCallback cannot be removed: the loop depends on it to switch the model between train and eval mode " +
                "and to keep Epoch, TrainIter and PctTrain, which schedules, checkpoints and resumes read.");
        }

        if (!callbacks.Remove(cb))
        {
            return false;
        }

        cb.Learn = null!;
        dispatcher.Invalidate();
        return true;
    }

    /// <summary>The first attached callback of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>() where T : Callback => callbacks.OfType<T>().FirstOrDefault();

    /// <summary>Creates the optimiser now with <see cref="Lr"/> (the first fit does it otherwise); replaces and disposes an existing one.</summary>
    public Optimizer CreateOptimizer()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        opt?.Dispose();
        opt = null;
        Opt = OptFunc(Model, Lr);
        return Opt;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs, firing the 23 events with fastai v2's semantics.
    /// </summary>
    /// <param name="epochs">The number of epochs, at least 1.</param>
    /// <param name="lr">
    /// When given, becomes <see cref="Lr"/> and the learning rate of every parameter group of an
    /// existing optimiser; when null, an existing optimiser keeps its rates (per-group rates survive).
    /// </param>
    /// <param name="cbs">Callbacks attached for this fit only (after the permanent ones).</param>
    /// <remarks>
    /// Cancel exceptions end their phase (<c>docs/events.md</c>); any other exception propagates
    /// unchanged, with the callback and event in its <see cref="Exception.Data"/>
    /// (<see cref="CallbackExceptionData"/>). On every exit the batch state is cleared, each callback's
    /// <see cref="Callback.Teardown"/> runs, and the callbacks of <paramref name="cbs"/> are detached
    /// (their creator disposes them); the learner stays usable.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A fit or validation is already running on this learner.</exception>
    public void Fit(int epochs, double? lr = null, IEnumerable<Callback>? cbs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (lr is double l)
        {
            CheckLr(l, nameof(lr));
        }

        RunFit(RunKind.Fit, epochs, lr, cbs);
    }

    // Once per learner: loader threads that run a dataset's own code allocate during the fit (see DataLoader.LoaderThreadsAllocate).
    private void WarnAboutLoaderThreads(RunKind kind)
    {
        if (kind != RunKind.Fit || warnedAboutLoaderThreads || !(Data.Train.LoaderThreadsAllocate || Data.Valid.LoaderThreadsAllocate))
        {
            return;
        }

        warnedAboutLoaderThreads = true;
        Log($"warning: the data's {Math.Max(Data.Train.Workers, Data.Valid.Workers)} loader thread(s) run your dataset's own code, which allocates while "
            + "libtorch runs on the training thread; with TorchSharp 0.107 that can free a scalar a libtorch call still reads and fail or corrupt "
            + "the fit (docs/data.md, \"Why a loader thread must not allocate\"). Read the data into a TensorDataset, or use workers: 0.");
    }

    /// <summary>The fit loop of every training run (a fit, the LR finder); see <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>.</summary>
    internal void RunFit(RunKind kind, int epochs, double? lr, IEnumerable<Callback>? cbs)
    {
        BeginRun(kind == RunKind.Fit ? nameof(Fit) : kind.ToString(), kind);
        using IDisposable? signals = kind == RunKind.Fit ? HandleSignalsDuringFit() : null;
        List<Callback> added = new();
        Exception? error = null;
        try
        {
            AttachForRun(cbs, added);
            WarnAboutLoaderThreads(kind);
            if (lr is double newLr)
            {
                Lr = newLr;
                opt?.Set(Hyper.Lr, newLr);
            }

            if (opt is null)
            {
                CreateOptimizer();
            }

            NEpoch = epochs;
            LastEpoch = LastCompletedEpoch = null;
            RunOutermost(Phase.Fit, doFit);
            if (kind == RunKind.Fit && LastEpoch is null && LastCompletedEpoch is EpochRecord done)
            {
                // Cancelled in the middle of a later epoch: the fit's results are its last completed epoch's (issue 29).
                LastEpoch = done;
                TrainStats ??= done.Train;
                ValidStats ??= done.Valid;
            }

            // Requested from AfterCancelFit or AfterFit: the final checkpoint of an interrupted fit.
            WriteRequestedCheckpoints();
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            EndRun(error, added);
        }
    }

    /// <summary>
    /// The resolved dispatch plan: each of the 23 events, indented by phase in the order the loop
    /// reaches it, with its handlers in call order and their Order (<c>-</c> where none).
    /// </summary>
    public string DescribeCallbacks() => dispatcher.Describe();

    /// <summary>
    /// Disposes the optimiser and every attached callback that implements <see cref="IDisposable"/>.
    /// The model and the data belong to the caller and are left alone.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        if (running)
        {
            throw new InvalidOperationException("A learner cannot be disposed while it is running (from a callback handler).");
        }

        disposed = true;
        opt?.Dispose();
        opt = null;
        foreach (Callback cb in callbacks.ToArray())
        {
            (cb as IDisposable)?.Dispose();
        }
    }

    private void DoFit()
    {
        for (int epoch = StartEpoch(); epoch < NEpoch; epoch++)
        {
            Epoch = epoch;
            try
            {
                dispatcher.Run(Phase.Epoch, doEpoch);
            }
            catch (CancelException)
            {
                // A fit cancelled from AfterEpoch (EarlyStopping) still gets the epoch's checkpoint.
                WriteRequestedCheckpoints();
                throw;
            }

            // No window: every AfterEpoch handler has run, nothing of the next epoch has.
            WriteRequestedCheckpoints();
            StopIfRequested();
        }
    }

    private void DoEpoch()
    {
        Dl = Data.Train;
        dispatcher.Run(Phase.Train, allBatches);
        Dl = Data.Valid;
        using (no_grad())
        {
            dispatcher.Run(Phase.Validate, allBatches);
        }
    }

    private void AllBatches()
    {
        DataLoader dl = Dl!;
        NIter = dl.Count;
        Checkpoint? resume = Training ? midEpochResume : null;
        int first = resume?.NextBatch ?? 0;
        using IEnumerator<Batch> batches = dl.GetEnumerator(first);
        if (Training)
        {
            // Kept for mid-epoch checkpoints, also those written after the epoch's enumeration ended (an interrupted fit).
            EpochShuffleState = dl.GetShuffleState();
        }
        if (resume is not null)
        {
            // The order is drawn; now the state of the batch boundary the checkpoint was taken at.
            midEpochResume = null;
            resume.ApplyTo(this, counters: true);
        }

        for (int i = first; ; i++)
        {
            // Everything the batch allocates (the batch itself, its copies on the device, the
            // prediction, the loss, the handlers' temporaries) dies with this scope.
            using DisposeScope scope = NewDisposeScope();
            Iter = i;
            if (!NextBatch(batches))
            {
                break;
            }

            Xb = ToDevice(batches.Current.X);
            Yb = ToDevice(batches.Current.Y);
            bool training = Training;
            dispatcher.Run(Phase.Batch, doOneBatch);
            ClearBatchState();
            if (training)
            {
                ResumePoint = (Epoch, i + 1);
                WriteRequestedCheckpoints();
            }

            StopIfRequested();
        }
    }

    private void DoOneBatch()
    {
        try
        {
            batchNorms?.Enter();
            Pred = Model.forward(Xb);
        }
        catch (Exception ex) when (ex is not CancelException)
        {
            throw LoopStepException.Create(this, LoopStep.Forward, ex);
        }
        finally
        {
            batchNorms?.Exit();
        }

        dispatcher.Fire(Event.AfterPred);
        if (RunKind == RunKind.Predict)
        {
            // A prediction computes no loss (its targets may be placeholders): its batches end after AfterPred.
            return;
        }

        try
        {
            Loss = LossFunc(Pred, Yb);
        }
        catch (Exception ex) when (ex is not CancelException)
        {
            throw LoopStepException.Create(this, LoopStep.Loss, ex);
        }

        dispatcher.Fire(Event.AfterLoss);
        if (!Training)
        {
            return;
        }

        dispatcher.Run(Phase.Backward, doBackward);
        dispatcher.Run(Phase.Step, doStep);
        Opt.ZeroGrad();
    }

    private void DoBackward()
    {
        try
        {
            Loss.backward();
        }
        catch (Exception ex) when (ex is not CancelException)
        {
            throw LoopStepException.Create(this, LoopStep.Backward, ex);
        }
    }

    /// <summary>Draws the next batch; a failure of the loader (a sample, the collate) names where it happened.</summary>
    private bool NextBatch(IEnumerator<Batch> batches)
    {
        try
        {
            return batches.MoveNext();
        }
        catch (Exception ex) when (ex is not CancelException)
        {
            throw LoopStepException.Create(this, LoopStep.Collate, ex);
        }
    }

    private void DoStep()
    {
        try
        {
            Opt.Step();
        }
        catch (Exception ex) when (ex is not CancelException)
        {
            throw LoopStepException.Create(this, LoopStep.Step, ex);
        }
    }

    /// <summary>Runs the outermost phase of a run; a cancel exception that escapes it came from the loop's own code.</summary>
    private void RunOutermost(Phase phase, Action body)
    {
        try
        {
            dispatcher.Run(phase, body);
        }
        catch (CancelException ex)
        {
            throw EventDispatcher.Escaped(ex);
        }
    }

    private void BeginRun(string what, RunKind kind)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (running)
        {
            throw new InvalidOperationException($"{what} was called while this learner is already running a fit or a validation (from a callback handler?); runs cannot nest.");
        }

        running = true;
        batchNorms = BatchNormCounters.Of(Model);
        RunKind = kind;
        dispatcher.Kind = kind;
        messages.Clear();
    }

    /// <summary>The cleanup of every exit of a run; see <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>'s remarks.</summary>
    private void EndRun(Exception? error, List<Callback> added)
    {
        List<Exception>? cleanupErrors = null;
        try
        {
            ClearBatchState();
            Dl = null;
            requestedCheckpoints.Clear();
            if (error is not null)
            {
                // A run that failed between backward and zero-grad leaves gradients behind; the next
                // fit's first step must not apply them.
                Model.zero_grad();
            }

            foreach (Callback cb in callbacks.ToArray())
            {
                if (!dispatcher.TakesPart(cb))
                {
                    // It saw nothing of this run, so it has nothing of it to release.
                    continue;
                }

                try
                {
                    cb.Teardown(error);
                }
                catch (Exception ex)
                {
                    ex.Data[CallbackExceptionData.CallbackKey] ??= cb.GetType().FullName;
                    (cleanupErrors ??= new()).Add(ex);
                }
            }

            foreach (Callback cb in added)
            {
                Remove(cb);
            }
        }
        finally
        {
            running = false;
            batchNorms?.Dispose();
            batchNorms = null;
        }

        if (cleanupErrors is null)
        {
            return;
        }

        if (error is not null)
        {
            // Never mask the exception that ended the run.
            error.Data[CallbackExceptionData.TeardownErrorsKey] = cleanupErrors.ToArray();
            return;
        }

        if (cleanupErrors.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cleanupErrors[0]);
        }

        throw new AggregateException("Several callbacks failed to clean up after the run.", cleanupErrors);
    }

    private void ClearBatchState()
    {
        Xb = null!;
        Yb = null!;
        Pred = null!;
        Loss = null!;
    }

    private static void CheckLr(double lr, string paramName)
    {
        if (!double.IsFinite(lr) || lr < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, lr, "The learning rate must be a finite number ≥ 0.");
        }
    }

    private static Metric[] CheckMetrics(IEnumerable<Metric>? metrics)
    {
        Metric[] list = metrics?.ToArray() ?? Array.Empty<Metric>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { "loss" };
        foreach (Metric m in list)
        {
            ArgumentNullException.ThrowIfNull(m, nameof(metrics));
            if (!seen.Add(m.Name))
            {
                throw new ArgumentException(
                    m.Name == "loss"
                        ? "A metric cannot be named 'loss': the name is taken by the averaged loss in PhaseStats."
                        : $"Two metrics are named '{m.Name}'; PhaseStats finds metrics by name, so names must be unique.",
                    nameof(metrics));
            }
        }

        return list;
    }
}
