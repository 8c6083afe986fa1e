using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

// Stand-ins for the standard callbacks, doing the same per-batch work as fastai's: written with
// [Callback] like the real ones, replaced by the runtime's classes once those land.

/// <summary>Records each training batch's learning rate and loss (kept on the device, read once per epoch).</summary>
[Callback(Order = 50)]
internal sealed partial class StandInRecorder : Callback
{
    private readonly List<double> lrs = new();
    private readonly List<float> losses = new();
    private Tensor? epochLosses;

    public IReadOnlyList<double> Lrs => lrs;

    public IReadOnlyList<float> Losses => losses;

    [Callback]
    private void BeforeTrain() => epochLosses = zeros(Learn.Dl!.Count).DetachFromDisposeScope(); // NIter is set after BeforeTrain

    [Callback]
    private void AfterBatch()
    {
        if (!Training)
        {
            return;
        }

        lrs.Add(Opt.Inner.ParamGroups.First().LearningRate);
        epochLosses![Iter] = Loss.detach();
    }

    [Callback]
    private void AfterTrain()
    {
        losses.AddRange(epochLosses!.data<float>().ToArray());
        epochLosses.Dispose();
        epochLosses = null;
    }
}

/// <summary>One-cycle learning rate: cosine warm-up over 25% then cosine annealing, set before every training batch.</summary>
[Callback(Order = 60)]
internal sealed partial class StandInOneCycle(double lrMax) : Callback
{
    [Callback]
    private void BeforeBatch()
    {
        if (!Training)
        {
            return;
        }

        double p = PctTrain;
        double lr = p < 0.25
            ? Cos(lrMax / 25, lrMax, p / 0.25)
            : Cos(lrMax, lrMax / 25 / 1e5, (p - 0.25) / 0.75);
        foreach (var group in Opt.Inner.ParamGroups)
        {
            group.LearningRate = lr;
        }
    }

    private static double Cos(double start, double end, double pos) => start + ((1 + Math.Cos(Math.PI * (1 - pos))) * (end - start) / 2);
}

/// <summary>Validation loss and accuracy, accumulated on the device and read once per epoch.</summary>
internal sealed partial class StandInAccuracy : Callback
{
    private Tensor? correct;
    private Tensor? lossSum;
    private long count;

    public double Accuracy { get; private set; }

    public double ValidLoss { get; private set; }

    [Callback]
    private void BeforeValidate()
    {
        correct = zeros(1, dtype: ScalarType.Int64).DetachFromDisposeScope();
        lossSum = zeros(1).DetachFromDisposeScope();
        count = 0;
    }

    [Callback]
    private void AfterLoss()
    {
        if (Training)
        {
            return;
        }

        long n = Yb.shape[0];
        correct!.add_(Pred.argmax(1).eq(Yb).sum());
        lossSum!.add_(Loss.detach() * n);
        count += n;
    }

    [Callback]
    private void AfterValidate()
    {
        Accuracy = correct!.item<long>() / (double)count;
        ValidLoss = lossSum!.item<float>() / count;
        correct.Dispose();
        lossSum.Dispose();
    }
}

/// <summary>Progress with output redirected: per-batch counter, one line per epoch.</summary>
[Callback(Order = 60)]
internal sealed partial class StandInProgress(TextWriter output) : Callback
{
    private long batches;

    [Callback]
    private void AfterBatch() => batches++;

    [Callback]
    private void AfterEpoch()
    {
        var acc = Learn.Get<StandInAccuracy>();
        output.WriteLine($"epoch {Epoch} batches {batches} valid loss {acc?.ValidLoss:0.0000} accuracy {acc?.Accuracy:0.0000}");
    }
}
