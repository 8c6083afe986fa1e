using static TorchSharp.torch;

namespace CallbackGen;

/// <content>Label smoothing (fastai's <c>LabelSmoothingCrossEntropy</c>).</content>
public static partial class Losses
{
    /// <summary>
    /// Cross-entropy with label smoothing (Szegedy et al. 2016), fastai's <c>LabelSmoothingCrossEntropy</c>:
    /// <c>(1 − ε)·nll(log_softmax(x), y) + ε·mean over classes of −log_softmax(x)</c>, the mean over the
    /// batch. It is TorchSharp's fused <c>cross_entropy</c> with <c>label_smoothing = ε</c> (the same
    /// formula as PyTorch's), one kernel forward and one backward.
    /// </summary>
    /// <param name="eps">The smoothing ε in [0, 1); 0 is plain cross-entropy (fastai's default is 0.1).</param>
    /// <returns>A loss function of logits [batch, classes] and class indices [batch].</returns>
    /// <example>
    /// <code>
    /// var learn = new Learner(model, data, Losses.LabelSmoothingCrossEntropy(0.1));
    /// </code>
    /// </example>
    public static Func<Tensor, Tensor, Tensor> LabelSmoothingCrossEntropy(double eps = 0.1)
    {
        if (!(eps is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "Label smoothing's eps must be in [0, 1).");
        }

        return (logits, target) =>
        {
            ArgumentNullException.ThrowIfNull(logits);
            ArgumentNullException.ThrowIfNull(target);
            return nn.functional.cross_entropy(logits, LongTargets(target), label_smoothing: eps);
        };
    }
}
