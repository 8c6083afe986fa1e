using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// One way of training a model for one epoch (training then validation) at a fixed batch size with
/// plain SGD. Every variant builds the same model from the same seed and draws the same shuffle from a
/// generator with the same seed, so the arithmetic is the same and only the loop around it differs.
/// </summary>
internal abstract class LoopVariant
{
    public const double Lr = 0.1;

    public abstract string Key { get; }

    public abstract string Description { get; }

    /// <summary>Runs one epoch on a fresh model; returns the seconds of the timed part and the trained model.</summary>
    public EpochRun Run(string modelName, FashionMnist data, int batchSize, long seed)
    {
        nn.Module<Tensor, Tensor> model = Models.Create(modelName, seed);
        using var generator = new Generator((ulong)seed);
        var sw = new CpuStopwatch();
        RunEpoch(model, data, batchSize, generator, sw);
        return new EpochRun(sw.Elapsed.TotalSeconds, sw.CpuTime.TotalSeconds, model);
    }

    /// <summary>Trains <paramref name="model"/> for one epoch; <paramref name="sw"/> runs only around the work that is timed.</summary>
    protected abstract void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch sw);

    protected static Tensor CrossEntropy(Tensor pred, Tensor target) => nn.functional.cross_entropy(pred, target);

    protected static DataBunch Loaders(FashionMnist data, int batchSize, Generator generator) => new(
        new DataLoader(data.XTrain, data.YTrain, batchSize, shuffle: true, generator: generator),
        new DataLoader(data.XValid, data.YValid, batchSize));
}

/// <summary>The result of one timed epoch; dispose it to release the model.</summary>
internal sealed record EpochRun(double Seconds, double CpuSeconds, nn.Module<Tensor, Tensor> Model) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>(a) The baseline: a hand-written TorchSharp loop, as a careful user would write it.</summary>
internal sealed class RawLoop : LoopVariant
{
    public override string Key => "a";

    public override string Description => "hand-written TorchSharp loop (dispose scope per batch, randperm + index_select)";

    protected override void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch sw)
    {
        sw.Start();
        using var opt = optim.SGD(model.parameters(), Lr);
        long n = data.TrainCount;
        model.train();
        using (Tensor perm = randperm(n, generator: generator))
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using DisposeScope scope = NewDisposeScope();
                long len = Math.Min(batchSize, n - start);
                Tensor idx = perm.narrow(0, start, len);
                Tensor xb = data.XTrain.index_select(0, idx);
                Tensor yb = data.YTrain.index_select(0, idx);
                Tensor loss = CrossEntropy(model.forward(xb), yb);
                loss.backward();
                opt.step();
                opt.zero_grad();
            }
        }

        model.eval();
        using (no_grad())
        {
            long nv = data.ValidCount;
            for (long start = 0; start < nv; start += batchSize)
            {
                using DisposeScope scope = NewDisposeScope();
                long len = Math.Min(batchSize, nv - start);
                Tensor loss = CrossEntropy(model.forward(data.XValid.narrow(0, start, len)), data.YValid.narrow(0, start, len));
            }
        }

        sw.Stop();
    }
}

/// <summary>
/// CallbackGen's Learner with the callbacks it attaches by itself plus <c>extra</c> ones for the fit:
/// (b) none, (c) the standard stack, and the single-callback variants that price one callback.
/// </summary>
internal sealed class LearnerVariant(string key, string description, Func<Callback[]> extra, bool withMetrics = false, Action<Learner>? configure = null) : LoopVariant
{
    public override string Key => key;

    public override string Description => description;

    /// <summary>Every callback of the last fit, for the report.</summary>
    public string Callbacks { get; private set; } = "?";

    protected override void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch sw)
    {
        using var learn = new Learner(model, Loaders(data, batchSize, generator), CrossEntropy, Optimizer.Sgd(), Lr, metrics: withMetrics ? StandardStack.Metrics : null);
        configure?.Invoke(learn);
        Callback[] cbs = extra();
        Callbacks = string.Join(", ", learn.Callbacks.Concat(cbs).Select(cb => cb.Name)) + (withMetrics ? $"; metrics: {string.Join(", ", StandardStack.Metrics)}" : string.Empty);
        sw.Start();
        learn.Fit(1, cbs: cbs);
        sw.Stop();
        foreach (IDisposable d in cbs.OfType<IDisposable>())
        {
            d.Dispose();
        }
    }
}
