using static TorchSharp.torch;

namespace CallbackGen.Interop;

/// <summary>A tensor whose element type in the file differs from the model's and was converted (a safe conversion: see <see cref="PyTorchWeights"/>).</summary>
/// <param name="Key">The state-dict key.</param>
/// <param name="From">The file's element type.</param>
/// <param name="To">The model's element type.</param>
public sealed record DTypeConversion(string Key, ScalarType From, ScalarType To)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Key}: {From} → {To}";
}
