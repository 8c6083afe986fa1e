using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>One batch of inputs and targets.</summary>
/// <param name="X">The inputs.</param>
/// <param name="Y">The targets.</param>
public readonly record struct Batch(Tensor X, Tensor Y);
