using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// NOT the product: a prototype of a cheaper loss average, to price what AvgStatsCallback's per-batch
/// work costs. AvgStatsCallback runs five tensor operations per batch (detach, mean, reshape, to
/// float64, add_); with no metrics the same sum needs one: an in-place, batch-size-weighted add of the
/// loss into a float64 accumulator (the type promotion happens inside add_), under no_grad. Read once
/// per phase, like the real one.
/// </summary>
[Callback(Order = -5)]
internal sealed partial class LeanLossAverage : Callback, IDisposable
{
    private Tensor? sum;
    private long count;

    public double LastAverage { get; private set; }

    [Callback]
    private void BeforeTrain() => Reset();

    [Callback]
    private void BeforeValidate() => Reset();

    [Callback]
    private void AfterLoss()
    {
        long bs = Yb.shape[0];
        using (no_grad())
        {
            sum!.add_(Loss, alpha: bs);
        }

        count += bs;
    }

    [Callback]
    private void AfterTrain() => LastAverage = sum!.item<double>() / count;

    [Callback]
    private void AfterValidate() => LastAverage = sum!.item<double>() / count;

    public void Dispose() => sum?.Dispose();

    private void Reset()
    {
        sum ??= zeros(Array.Empty<long>(), dtype: ScalarType.Float64).DetachFromDisposeScope();
        sum.zero_();
        count = 0;
    }
}
