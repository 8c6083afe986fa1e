using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// What <see cref="Learner.GetPreds"/> returns: the model's outputs for every sample of a loader,
/// their targets and optionally each sample's loss, in the loader's order, on the CPU. Owns its
/// tensors: dispose it (or detach what you keep).
/// </summary>
public sealed class Predictions : IDisposable
{
    internal Predictions(Tensor preds, Tensor targets, Tensor? losses)
    {
        Preds = preds;
        Targets = targets;
        Losses = losses;
    }

    /// <summary>The model's raw outputs (logits for a classifier), shape [N, …].</summary>
    public Tensor Preds { get; }

    /// <summary>The targets, shape [N, …], as the loader gave them after the batch transforms.</summary>
    public Tensor Targets { get; }

    /// <summary>Each sample's loss, shape [N] (float32); null unless asked for with <c>withLoss: true</c>.</summary>
    public Tensor? Losses { get; }

    /// <summary>The number of samples.</summary>
    public long Count => Preds.shape[0];

    /// <summary>The decoded classes: the arg-max of the last dimension of <see cref="Preds"/>, int64 [N]; the caller owns it.</summary>
    public Tensor Decoded() => Preds.argmax(-1);

    /// <summary>The class probabilities: the softmax of the last dimension of <see cref="Preds"/>; the caller owns it.</summary>
    public Tensor Probabilities() => Preds.to_type(ScalarType.Float32).softmax(-1);

    /// <inheritdoc/>
    public void Dispose()
    {
        Preds.Dispose();
        Targets.Dispose();
        Losses?.Dispose();
    }
}
