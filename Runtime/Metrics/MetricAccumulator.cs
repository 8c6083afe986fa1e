using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A metric's running total over one phase, kept on the device: <see cref="Add"/> runs for every
/// batch and must not read anything back to the host; <see cref="Result"/> is the phase's one read.
/// Created by <see cref="Metric.CreateAccumulator"/> at the start of a phase, disposed at its end.
/// </summary>
/// <example>
/// <code>
/// // Counts rows whose prediction is within 0.5 of the target, as an int64 on the device.
/// class WithinHalf() : Metric("within_half", (p, t) => (p - t).abs().lt(0.5).to_type(ScalarType.Float32).mean())
/// {
///     public override MetricAccumulator CreateAccumulator(Device device) => new Counter(device);
///
///     private sealed class Counter(Device device) : MetricAccumulator
///     {
///         private readonly Tensor hits = zeros(Array.Empty&lt;long&gt;(), ScalarType.Int64, device).DetachFromDisposeScope();
///         private long count;
///         public override void Add(Tensor pred, Tensor target) { hits.add_((pred - target).abs().lt(0.5).sum()); count += target.shape[0]; }
///         public override double Result() => count == 0 ? double.NaN : (double)hits.item&lt;long&gt;() / count;
///         public override void Dispose() => hits.Dispose();
///     }
/// }
/// </code>
/// </example>
public abstract class MetricAccumulator : IDisposable
{
    /// <summary>Adds one batch (called inside the batch's dispose scope, without gradients).</summary>
    /// <param name="pred">The model's output for the batch (detached).</param>
    /// <param name="target">The batch's targets.</param>
    public abstract void Add(Tensor pred, Tensor target);

    /// <summary>The metric over every batch added (NaN when none was): the one device read of the phase.</summary>
    public abstract double Result();

    /// <summary>Releases the device tensors.</summary>
    public abstract void Dispose();
}
