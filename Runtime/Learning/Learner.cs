using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Trains a model on a <see cref="DataBunch"/> with a loss function and an optimiser, calling its
/// callbacks' handlers at each training event with fastai v2's semantics (see <c>docs/events.md</c>).
/// </summary>
public sealed partial class Learner
{
    private readonly List<Callback> callbacks = new();
    private EventDispatcher? dispatcher;

    /// <summary>Creates a learner.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="data">Training and validation batches.</param>
    /// <param name="lossFunc">The loss: (prediction, target) → scalar tensor.</param>
    /// <param name="optFunc">Creates the optimiser at the first fit; default plain SGD.</param>
    /// <param name="lr">The default learning rate.</param>
    /// <param name="cbs">Callbacks kept for every fit (a <see cref="TrainEvalCallback"/> and a <see cref="TerminateOnNaN"/> are always added).</param>
    public Learner(
        nn.Module<Tensor, Tensor> model,
        DataBunch data,
        Func<Tensor, Tensor, Tensor> lossFunc,
        OptimizerFactory? optFunc = null,
        double lr = 1e-2,
        IEnumerable<Callback>? cbs = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        LossFunc = lossFunc ?? throw new ArgumentNullException(nameof(lossFunc));
        OptFunc = optFunc ?? Optimizer.Sgd();
        Lr = lr;
        Add(new TrainEvalCallback());
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

    /// <summary>The default learning rate.</summary>
    public double Lr { get; set; }

    /// <summary>The optimiser; created by the first fit (or <see cref="CreateOptimizer"/>).</summary>
    public Optimizer Opt
    {
        get => opt ?? throw new InvalidOperationException("The optimiser does not exist yet: it is created at the start of the first fit (or by CreateOptimizer()).");
        private set => opt = value;
    }

    private Optimizer? opt;

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

    /// <summary>The averages of the last training phase (set once per epoch by the stats callback).</summary>
    public PhaseStats? TrainStats { get; internal set; }

    /// <summary>The averages of the last validation phase (set once per epoch by the stats callback).</summary>
    public PhaseStats? ValidStats { get; internal set; }

    /// <summary>The loader of the current phase.</summary>
    public DataLoader? Dl { get; private set; }

    /// <summary>Attaches a callback for every later fit.</summary>
    public Learner Add(Callback cb)
    {
        ArgumentNullException.ThrowIfNull(cb);
        if (cb.IsAttached)
        {
            throw new InvalidOperationException($"Callback '{cb.Name}' is already attached to a learner.");
        }

        cb.Learn = this;
        callbacks.Add(cb);
        dispatcher = null;
        return this;
    }

    /// <summary>Detaches a callback.</summary>
    public bool Remove(Callback cb)
    {
        ArgumentNullException.ThrowIfNull(cb);
        if (!callbacks.Remove(cb))
        {
            return false;
        }

        cb.Learn = null!;
        dispatcher = null;
        return true;
    }

    /// <summary>The first attached callback of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>() where T : Callback => callbacks.OfType<T>().FirstOrDefault();

    /// <summary>Creates the optimiser now with <see cref="Lr"/> (the first fit does it otherwise).</summary>
    public Optimizer CreateOptimizer()
    {
        opt?.Dispose();
        Opt = OptFunc(Model, Lr);
        return Opt;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs. Callbacks in <paramref name="cbs"/> are attached
    /// for this fit only and detached afterwards, also when the fit throws.
    /// </summary>
    public void Fit(int epochs, double? lr = null, IEnumerable<Callback>? cbs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        List<Callback> added = new();
        try
        {
            if (cbs is not null)
            {
                foreach (Callback cb in cbs)
                {
                    Add(cb);
                    added.Add(cb);
                }
            }

            if (lr is double newLr)
            {
                Lr = newLr;
            }

            if (opt is null)
            {
                CreateOptimizer();
            }

            NEpoch = epochs;
            Dispatcher.Run(Phase.Fit, DoFit);
        }
        finally
        {
            foreach (Callback cb in added)
            {
                Remove(cb);
            }

            ClearBatchState();
        }
    }

    /// <summary>
    /// The resolved dispatch plan: each event with its handlers in call order and their Order.
    /// </summary>
    public string DescribeCallbacks() => Dispatcher.Describe();

    private EventDispatcher Dispatcher => dispatcher ??= new EventDispatcher(callbacks);

    private void DoFit()
    {
        for (int epoch = StartEpoch(); epoch < NEpoch; epoch++)
        {
            Epoch = epoch;
            Dispatcher.Run(Phase.Epoch, DoEpoch);
        }
    }

    private void DoEpoch()
    {
        Dl = Data.Train;
        Dispatcher.Run(Phase.Train, AllBatches);
        Dl = Data.Valid;
        using (no_grad())
        {
            Dispatcher.Run(Phase.Validate, AllBatches);
        }
    }

    private void AllBatches()
    {
        DataLoader dl = Dl!;
        NIter = dl.Count;
        using IEnumerator<Batch> batches = dl.GetEnumerator();
        for (int i = 0; ; i++)
        {
            using DisposeScope scope = NewDisposeScope();
            if (!batches.MoveNext())
            {
                break;
            }

            Iter = i;
            Xb = batches.Current.X;
            Yb = batches.Current.Y;
            Dispatcher.Run(Phase.Batch, DoOneBatch);
            ClearBatchState();
        }
    }

    private void DoOneBatch()
    {
        Pred = Model.forward(Xb);
        Dispatcher.Fire(Event.AfterPred);
        Loss = LossFunc(Pred, Yb);
        Dispatcher.Fire(Event.AfterLoss);
        if (!Training)
        {
            return;
        }

        Dispatcher.Run(Phase.Backward, DoBackward);
        Dispatcher.Run(Phase.Step, DoStep);
        Opt.ZeroGrad();
    }

    private void DoBackward() => Loss.backward();

    private void DoStep() => Opt.Step();

    private void ClearBatchState()
    {
        Xb = null!;
        Yb = null!;
        Pred = null!;
        Loss = null!;
    }
}
