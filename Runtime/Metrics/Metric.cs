using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A named metric. The learner's <see cref="AvgStatsCallback"/> asks it for a
/// <see cref="MetricAccumulator"/> at the start of every phase it is computed in (validation; training
/// too with <see cref="Learner.TrainMetrics"/>), feeds it every batch on the device, and reads its
/// value once at the end of the phase into <see cref="PhaseStats"/> under <see cref="Name"/>.
/// </summary>
/// <remarks>
/// A metric made from a function of (prediction, target) that returns the batch mean is averaged
/// over the phase weighted by batch size: one in-place add per batch into a float64 sum on the
/// device. A metric that can count instead of averaging (as <see cref="Accuracy"/> counts correct
/// rows in int64) derives from this class and overrides <see cref="CreateAccumulator"/>.
/// </remarks>
/// <example>
/// <code>
/// var mae = new Metric("mae", (pred, targ) => (pred - targ).abs().mean());
/// var learn = new Learner(model, data, lossFunc, metrics: new[] { Metric.Accuracy, mae });
/// </code>
/// </example>
public class Metric
{
    /// <summary>Creates a metric from a function that returns the batch mean.</summary>
    /// <param name="name">The name under which <see cref="PhaseStats"/> reports it; not "loss".</param>
    /// <param name="function">(prediction, target) → the batch mean as a one-element tensor; must not sync with the device.</param>
    public Metric(string name, Func<Tensor, Tensor, Tensor> function)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Function = function ?? throw new ArgumentNullException(nameof(function));
    }

    /// <summary>
    /// The fraction of rows whose highest score is the target class (<see cref="Metrics.Accuracy"/>),
    /// accumulated as an int64 count of correct rows on the device.
    /// </summary>
    public static Metric Accuracy { get; } = new AccuracyMetric();

    /// <summary>The name under which the metric is reported.</summary>
    public string Name { get; }

    /// <summary>(prediction, target) → the batch mean as a one-element tensor.</summary>
    public Func<Tensor, Tensor, Tensor> Function { get; }

    /// <summary>
    /// A fresh accumulator for one phase on <paramref name="device"/>. The default averages
    /// <see cref="Function"/> weighted by batch size; override to accumulate something cheaper.
    /// </summary>
    public virtual MetricAccumulator CreateAccumulator(Device device) => new MeanAccumulator(this, device);

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Σ batchSize × batch mean, in float64 on the device; one in-place add per batch.</summary>
    private sealed class MeanAccumulator(Metric metric, Device device) : MetricAccumulator
    {
        private readonly Tensor sum = zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        private long count;

        public override void Add(Tensor pred, Tensor target)
        {
            long bs = target.dim() == 0 ? 1 : target.shape[0];
            Tensor v = metric.Function(pred, target);
            if (v.numel() != 1)
            {
                throw new InvalidOperationException(
                    $"Metric '{metric.Name}' returned a tensor of shape [{string.Join(", ", v.shape)}]; a metric returns the batch mean as a single value.");
            }

            if (v.dim() != 0)
            {
                v = v.reshape(Array.Empty<long>());
            }

            // add_ promotes a float32 value into the float64 sum itself: no separate cast.
            using var alpha = bs.ToScalar();
            sum.add_(v.device == sum.device ? v : v.to(sum.device), alpha);
            count += bs;
        }

        public override double Result()
        {
            if (count == 0)
            {
                return double.NaN;
            }

            return sum.item<double>() / count;
        }

        public override IReadOnlyList<Tensor> Totals => new[] { sum };

        public override void RestoreTotals(IReadOnlyList<Tensor> totals, long count)
        {
            sum.copy_(totals[0]);
            this.count = count;
        }

        public override void Dispose() => sum.Dispose();
    }
}
