using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// <see cref="Metric.Accuracy"/>: counts correct rows as an int64 on the device (argmax, compare,
/// sum, add: no float conversion, no mean, no host read per batch), divided by the sample count once
/// per phase.
/// </summary>
internal sealed class AccuracyMetric() : Metric("accuracy", Metrics.Accuracy)
{
    public override MetricAccumulator CreateAccumulator(Device device) => new Counter(device);

    private sealed class Counter(Device device) : MetricAccumulator
    {
        private readonly Tensor correct = zeros(Array.Empty<long>(), ScalarType.Int64, device).DetachFromDisposeScope();
        private long count;

        public override void Add(Tensor pred, Tensor target)
        {
            Losses.CheckClassification(pred, target, nameof(Metrics.Accuracy), "scores");
            using var one = 1L.ToScalar();
            correct.add_(pred.argmax(-1).eq(target).sum(), one);
            count += target.shape[0];
        }

        public override double Result() => count == 0 ? double.NaN : (double)correct.item<long>() / count;

        public override IReadOnlyList<Tensor> Totals => new[] { correct };

        public override void RestoreTotals(IReadOnlyList<Tensor> totals, long count)
        {
            correct.copy_(totals[0]);
            this.count = count;
        }

        public override void Dispose() => correct.Dispose();
    }
}
