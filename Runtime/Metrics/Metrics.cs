using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>Metric functions of the lesson; wrap one in a <see cref="Metric"/> to give it to a learner.</summary>
public static class Metrics
{
    /// <summary>
    /// The fraction of rows of <paramref name="pred"/> whose highest score is at the target class,
    /// as a float32 scalar on the prediction's device (no sync).
    /// </summary>
    /// <param name="pred">Scores, shape [batch, classes] (logits, probabilities or log-probabilities).</param>
    /// <param name="target">Class indices, shape [batch], any integer type.</param>
    public static Tensor Accuracy(Tensor pred, Tensor target)
    {
        Losses.CheckClassification(pred, target, nameof(Accuracy), "scores");
        using var scope = NewDisposeScope();
        return pred.argmax(-1).eq(target).to_type(ScalarType.Float32).mean().MoveToOuterDisposeScope();
    }
}
