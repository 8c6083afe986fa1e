using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Classification losses. The ones here are TorchSharp's fused kernels (one op forward, one
/// backward): <see cref="CrossEntropy"/> is the default loss of every sample and doc. The lesson's
/// from-scratch versions — the LogSumExp trick, log-softmax from it, the negative log-likelihood by
/// index selection — are in <see cref="Scratch"/>, equal to these within 1e-6 and as stable.
/// </summary>
/// <example>
/// <code>
/// var learn = new Learner(model, data, Losses.CrossEntropy);
/// using var fused = Losses.CrossEntropy(logits, labels);            // TorchSharp's cross_entropy
/// using var taught = Losses.Scratch.CrossEntropy(logits, labels);   // Nll(LogSoftmax(logits)), as the lesson builds it
/// </code>
/// </example>
public static class Losses
{
    /// <summary>
    /// Cross-entropy of logits against class indices: TorchSharp's fused <c>cross_entropy</c> (mean
    /// over the batch). Integer targets of any width are accepted (converted to int64); floating
    /// targets are class probabilities, as in TorchSharp.
    /// </summary>
    /// <param name="logits">Unnormalised scores, shape [batch, classes] (or [batch, classes, d1, …]).</param>
    /// <param name="target">Class indices, shape [batch] (or [batch, d1, …]).</param>
    public static Tensor CrossEntropy(Tensor logits, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        return nn.functional.cross_entropy(logits, LongTargets(target));
    }

    /// <summary>The mean negative log-likelihood of log-probabilities at the target classes: TorchSharp's fused <c>nll_loss</c>.</summary>
    /// <param name="logProbs">Log-probabilities, shape [batch, classes].</param>
    /// <param name="target">Class indices, shape [batch], any integer type (converted to int64).</param>
    public static Tensor Nll(Tensor logProbs, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(target);
        return nn.functional.nll_loss(logProbs, LongTargets(target));
    }

    /// <summary>log softmax over the last dimension: TorchSharp's fused <c>log_softmax</c>.</summary>
    /// <param name="x">Logits, rank ≥ 1 (classes in the last dimension).</param>
    public static Tensor LogSoftmax(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return nn.functional.log_softmax(x, -1);
    }

    /// <summary>log Σ exp(x) over the last dimension: TorchSharp's fused <c>logsumexp</c>.</summary>
    /// <param name="x">Any tensor of rank ≥ 1; reduced over its last dimension.</param>
    public static Tensor LogSumExp(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.logsumexp(-1);
    }

    /// <summary>
    /// The losses as the lesson builds them from scratch: the LogSumExp trick, log-softmax from it,
    /// the negative log-likelihood by index selection (a gather, never a one-hot product), and
    /// cross-entropy as the two together. For teaching and checking: about fifteen tensor operations
    /// with their backward where <see cref="Losses.CrossEntropy"/> runs one fused kernel.
    /// </summary>
    public static class Scratch
    {

        /// <summary>
        /// log Σ exp(x) over the last dimension, computed as m + log Σ exp(x − m) with m the row maximum,
        /// so no exp overflows (exp of a logit of 1e4 is infinite in float32; exp(x − m) ≤ 1).
        /// </summary>
        /// <param name="x">Any tensor of rank ≥ 1; reduced over its last dimension.</param>
        /// <returns>A tensor of <paramref name="x"/>'s shape without the last dimension.</returns>
        public static Tensor LogSumExp(Tensor x)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.dim() < 1)
            {
                throw new ArgumentException("LogSumExp needs a tensor of rank 1 or more; got a scalar.", nameof(x));
            }

            using var scope = NewDisposeScope();
            // The maximum shifts every value; its gradient cancels exactly, so it is taken without one.
            // A row of -inf would give -inf - -inf = NaN: shift such rows by 0 instead (the result is -inf).
            using var s = new HeldScalars();
            Tensor m = x.detach().amax(new long[] { -1 }, keepdim: true);
            m = m.masked_fill(m.isinf(), s.Of(0L));
            Tensor result = (x - m).exp().sum(-1).log().add(m.squeeze(-1), s.One);
            return result.MoveToOuterDisposeScope();
        }

        /// <summary>log softmax over the last dimension: x − LogSumExp(x).</summary>
        /// <param name="x">Logits, rank ≥ 1 (classes in the last dimension).</param>
        /// <remarks>
        /// Computed on the row-shifted logits s = x − max(x) as s − LogSumExp(s) (the same value): with
        /// logits near 1e4, forming x − (max + log Σ) in float32 would lose the small log term to
        /// rounding (the spacing of floats near 1e4 is 1e-3), while s − log Σ exp(s) keeps it.
        /// </remarks>
        public static Tensor LogSoftmax(Tensor x)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.dim() < 1)
            {
                throw new ArgumentException("LogSoftmax needs a tensor of rank 1 or more; got a scalar.", nameof(x));
            }

            using var scope = NewDisposeScope();
            using var s = new HeldScalars();
            Tensor m = x.detach().amax(new long[] { -1 }, keepdim: true);
            Tensor shifted = x - m.masked_fill(m.isinf(), s.Of(0L));
            return (shifted - LogSumExp(shifted).unsqueeze(-1)).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// The mean negative log-likelihood: −mean over the batch of <paramref name="logProbs"/>[i, target[i]],
        /// picked by index selection (a gather), never by multiplying with a one-hot matrix.
        /// </summary>
        /// <param name="logProbs">Log-probabilities, shape [batch, classes].</param>
        /// <param name="target">Class indices, shape [batch], any integer type (converted to int64).</param>
        public static Tensor Nll(Tensor logProbs, Tensor target)
        {
            Losses.CheckClassification(logProbs, target, nameof(Nll), "log-probabilities");
            using var scope = NewDisposeScope();
            Tensor index = (target.dtype == ScalarType.Int64 ? target : target.to_type(ScalarType.Int64)).unsqueeze(1);
            return logProbs.gather(1, index).mean().neg().MoveToOuterDisposeScope();
        }

        /// <summary>Cross-entropy of logits against class indices: <c>Nll(LogSoftmax(logits), target)</c>.</summary>
        /// <param name="logits">Unnormalised scores, shape [batch, classes].</param>
        /// <param name="target">Class indices, shape [batch], any integer type.</param>
        public static Tensor CrossEntropy(Tensor logits, Tensor target)
        {
            Losses.CheckClassification(logits, target, nameof(CrossEntropy), "logits");
            using var scope = NewDisposeScope();
            return Nll(LogSoftmax(logits), target).MoveToOuterDisposeScope();
        }
    }

    // Fused kernels take int64 class indices only; bytes and int32 labels are converted (no copy for int64).
    private static Tensor LongTargets(Tensor target) =>
        target.dtype is ScalarType.Int64 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16
            ? target
            : target.to_type(ScalarType.Int64);

    /// <summary>Shape and type checks shared by the classification losses and metrics (metadata only: no device sync).</summary>
    internal static void CheckClassification(Tensor scores, Tensor target, string who, string what)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(target);
        if (scores.dim() != 2)
        {
            throw new ArgumentException($"{who} expects {what} of shape [batch, classes]; got shape [{string.Join(", ", scores.shape)}].", nameof(scores));
        }

        if (target.dim() != 1 || target.shape[0] != scores.shape[0])
        {
            throw new ArgumentException(
                $"{who} expects targets of shape [{scores.shape[0]}] (one class index per row of the {what}); got shape [{string.Join(", ", target.shape)}].",
                nameof(target));
        }

        if (target.is_floating_point() || target.is_complex() || target.dtype == ScalarType.Bool)
        {
            throw new ArgumentException($"{who} expects integer class indices as targets; got {target.dtype}.", nameof(target));
        }
    }
}
