using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// One way of training a model for one epoch (training then validation) at a fixed batch size with
/// plain SGD. Every variant builds the same model from the same seed and draws the same shuffle from a
/// generator with the same seed, so the arithmetic is the same and only the loop around it differs.
/// Two clocks run: one around the whole epoch, one around the training phase alone.
/// </summary>
internal abstract class LoopVariant
{
    public const double Lr = 0.1;

    public abstract string Key { get; }

    public abstract string Description { get; }

    /// <summary>Runs one epoch on a fresh model; returns the seconds of the timed parts and the trained model.</summary>
    public EpochRun Run(string modelName, FashionMnist data, int batchSize, long seed)
    {
        nn.Module<Tensor, Tensor> model = Models.Create(modelName, seed);
        using var generator = new Generator((ulong)seed);
        var epoch = new CpuStopwatch();
        var train = new CpuStopwatch();
        RunEpoch(model, data, batchSize, generator, epoch, train);
        return new EpochRun(epoch.Elapsed.TotalSeconds, epoch.CpuTime.TotalSeconds, train.Elapsed.TotalSeconds, train.CpuTime.TotalSeconds, model);
    }

    /// <summary>
    /// Trains <paramref name="model"/> for one epoch; <paramref name="epoch"/> runs around the whole
    /// epoch and <paramref name="train"/> around the training phase (shuffle, batches, optimiser steps).
    /// </summary>
    protected abstract void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch epoch, CpuStopwatch train);

    /// <summary>TorchSharp's fused cross-entropy, called directly: the hand-written loop's loss.</summary>
    protected static Tensor FusedCrossEntropy(Tensor pred, Tensor target) => nn.functional.cross_entropy(pred, target);

    protected static DataBunch Loaders(FashionMnist data, int batchSize, Generator generator) => new(
        new DataLoader(data.XTrain, data.YTrain, batchSize, shuffle: true, generator: generator),
        new DataLoader(data.XValid, data.YValid, batchSize));
}

/// <summary>The result of one timed epoch; dispose it to release the model.</summary>
internal sealed record EpochRun(double Seconds, double CpuSeconds, double TrainSeconds, double TrainCpuSeconds, nn.Module<Tensor, Tensor> Model) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// (a) The baseline: a hand-written TorchSharp loop, as a careful user would write it, with
/// TorchSharp's fused <c>cross_entropy</c>; or, for the loss comparison, with another loss.
/// </summary>
internal sealed class RawLoop(string key = "a", string description = "hand-written TorchSharp loop (dispose scope per batch, randperm + index_select), nn.functional.cross_entropy", Func<Tensor, Tensor, Tensor>? loss = null) : LoopVariant
{
    private readonly Func<Tensor, Tensor, Tensor> lossFunc = loss ?? FusedCrossEntropy;

    public override string Key => key;

    public override string Description => description;

    protected override void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch epoch, CpuStopwatch train)
    {
        epoch.Start();
        using var opt = optim.SGD(model.parameters(), Lr);
        long n = data.TrainCount;
        train.Start();
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
                Tensor loss = lossFunc(model.forward(xb), yb);
                loss.backward();
                opt.step();
                opt.zero_grad();
            }
        }

        train.Stop();
        model.eval();
        using (no_grad())
        {
            long nv = data.ValidCount;
            for (long start = 0; start < nv; start += batchSize)
            {
                using DisposeScope scope = NewDisposeScope();
                long len = Math.Min(batchSize, nv - start);
                Tensor loss = lossFunc(model.forward(data.XValid.narrow(0, start, len)), data.YValid.narrow(0, start, len));
            }
        }

        epoch.Stop();
    }
}

/// <summary>
/// CallbackGen's Learner with the callbacks it attaches by itself plus <c>extra</c> ones for the fit,
/// with the default loss (<see cref="Losses.CrossEntropy"/>) unless another is given.
/// </summary>
internal sealed class LearnerVariant(
    string key, string description, Func<Callback[]> extra, Metric[]? metrics = null, bool trainMetrics = false,
    Action<Learner>? configure = null, Func<Tensor, Tensor, Tensor>? loss = null) : LoopVariant
{
    public override string Key => key;

    public override string Description => description;

    /// <summary>Every callback of the last fit, for the report.</summary>
    public string Callbacks { get; private set; } = "?";

    protected override void RunEpoch(nn.Module<Tensor, Tensor> model, FashionMnist data, int batchSize, Generator generator, CpuStopwatch epoch, CpuStopwatch train)
    {
        using var learn = new Learner(model, Loaders(data, batchSize, generator), loss ?? Losses.CrossEntropy, Optimizer.Sgd(), Lr, metrics: metrics, trainMetrics: trainMetrics);
        configure?.Invoke(learn);
        Callback[] cbs = extra();
        Callbacks = string.Join(", ", learn.Callbacks.Concat(cbs).Select(cb => cb.Name))
            + (metrics is { Length: > 0 } ? $"; metrics: {string.Join(", ", metrics.Select(m => m.Name))}{(trainMetrics ? " (training too)" : " (validation only)")}" : string.Empty);
        var clock = new TrainPhaseClock(train);
        learn.Add(clock);
        epoch.Start();
        learn.Fit(1, cbs: cbs);
        epoch.Stop();
        foreach (IDisposable d in cbs.OfType<IDisposable>())
        {
            d.Dispose();
        }
    }
}
