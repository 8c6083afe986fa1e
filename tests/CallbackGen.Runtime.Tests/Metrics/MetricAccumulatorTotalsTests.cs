using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Metrics;

/// <summary>
/// The built-in accumulators hand their device totals to a checkpoint and take them back: an
/// accumulator restored halfway and fed the rest gives the bits of one fed everything.
/// </summary>
public sealed class MetricAccumulatorTotalsTests
{
    public static TheoryData<string> Kinds => new() { "accuracy", "mean" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_accumulator_restored_from_its_totals_continues_to_the_same_result(string kind)
    {
        Metric metric = kind == "accuracy" ? Metric.Accuracy : new Metric("mae", (p, t) => (p - t.to_type(ScalarType.Float32).unsqueeze(1)).abs().mean());
        using var gen = new TorchSharp.torch.Generator().manual_seed(3);
        var batches = Enumerable.Range(0, 4).Select(i =>
            (Pred: randn(new long[] { 5 + i, 3 }, generator: gen), Target: randint(0, 3, new long[] { 5 + i }, generator: gen))).ToArray();

        using MetricAccumulator whole = metric.CreateAccumulator(CPU);
        foreach (var (p, t) in batches)
        {
            whole.Add(p, t);
        }

        using MetricAccumulator first = metric.CreateAccumulator(CPU);
        first.Add(batches[0].Pred, batches[0].Target);
        first.Add(batches[1].Pred, batches[1].Target);
        IReadOnlyList<Tensor> totals = first.Totals!.Select(t => t.clone()).ToArray();

        using MetricAccumulator resumed = metric.CreateAccumulator(CPU);
        resumed.RestoreTotals(totals, count: 5 + 6);
        resumed.Add(batches[2].Pred, batches[2].Target);
        resumed.Add(batches[3].Pred, batches[3].Target);

        Assert.Equal(BitConverter.DoubleToInt64Bits(whole.Result()), BitConverter.DoubleToInt64Bits(resumed.Result()));
        Assert.NotEqual(BitConverter.DoubleToInt64Bits(whole.Result()), BitConverter.DoubleToInt64Bits(first.Result()));
    }
}
