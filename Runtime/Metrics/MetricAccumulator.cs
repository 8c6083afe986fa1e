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
///         public override IReadOnlyList&lt;Tensor&gt; Totals => new[] { hits };   // so a mid-epoch checkpoint keeps them
///         public override void RestoreTotals(IReadOnlyList&lt;Tensor&gt; totals, long n) { hits.copy_(totals[0]); count = n; }
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

    /// <summary>
    /// The running totals as tensors, so that a checkpoint taken in the middle of a training phase can
    /// hold them and the resumed phase reports the same value as one never interrupted. The tensors stay
    /// the accumulator's: the checkpoint reads them and changes nothing. Null (the default) for an
    /// accumulator without checkpointable totals: after a mid-epoch resume its metric covers only
    /// the batches run since the resume.
    /// </summary>
    public virtual IReadOnlyList<Tensor>? Totals => null;

    /// <summary>
    /// Puts back the totals a checkpoint took from <see cref="Totals"/> (same number, shapes and
    /// types, on the learner's device) and the number of samples added so far. Called on a freshly
    /// created accumulator when a fit resumes from a mid-epoch checkpoint; the caller keeps the tensors.
    /// </summary>
    /// <param name="totals">The stored totals, in the order <see cref="Totals"/> gave them.</param>
    /// <param name="count">The samples added before the checkpoint (the sum of the batch sizes).</param>
    /// <exception cref="NotSupportedException">The accumulator has no checkpointable totals (<see cref="Totals"/> is null).</exception>
    public virtual void RestoreTotals(IReadOnlyList<Tensor> totals, long count) =>
        throw new NotSupportedException($"{GetType().Name} keeps no checkpointable totals (its Totals is null).");

    /// <summary>Releases the device tensors.</summary>
    public abstract void Dispose();
}
