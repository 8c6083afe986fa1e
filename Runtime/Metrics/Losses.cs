using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// The losses of the lesson, built from scratch: the LogSumExp trick, log-softmax from it, the
/// negative log-likelihood by index selection, and cross-entropy as the two together. They agree
/// with TorchSharp's <c>cross_entropy</c> and stay finite where a naive softmax overflows.
/// </summary>
/// <example>
/// <code>
/// var learn = new Learner(model, data, Losses.CrossEntropy);
/// using var ce = Losses.CrossEntropy(logits, labels);   // == Losses.Nll(Losses.LogSoftmax(logits), labels)
/// </code>
/// </example>
public static class Losses
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
        Tensor m = x.detach().amax(new long[] { -1 }, keepdim: true);
        m = m.masked_fill(m.isinf(), 0);
        Tensor result = (x - m).exp().sum(-1).log() + m.squeeze(-1);
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
        Tensor m = x.detach().amax(new long[] { -1 }, keepdim: true);
        Tensor shifted = x - m.masked_fill(m.isinf(), 0);
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
        CheckClassification(logProbs, target, nameof(Nll), "log-probabilities");
        using var scope = NewDisposeScope();
        Tensor index = (target.dtype == ScalarType.Int64 ? target : target.to_type(ScalarType.Int64)).unsqueeze(1);
        return logProbs.gather(1, index).mean().neg().MoveToOuterDisposeScope();
    }

    /// <summary>Cross-entropy of logits against class indices: <c>Nll(LogSoftmax(logits), target)</c>.</summary>
    /// <param name="logits">Unnormalised scores, shape [batch, classes].</param>
    /// <param name="target">Class indices, shape [batch], any integer type.</param>
    public static Tensor CrossEntropy(Tensor logits, Tensor target)
    {
        CheckClassification(logits, target, nameof(CrossEntropy), "logits");
        using var scope = NewDisposeScope();
        return Nll(LogSoftmax(logits), target).MoveToOuterDisposeScope();
    }

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
