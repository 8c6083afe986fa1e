using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>One sample of a dataset: an input and its target (no batch dimension).</summary>
/// <param name="X">The input.</param>
/// <param name="Y">The target.</param>
public readonly record struct Sample(Tensor X, Tensor Y);
