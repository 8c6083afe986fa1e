namespace CallbackGen.Interop;

/// <summary>A key present in both the model and the weights file with different shapes.</summary>
/// <param name="Key">The state-dict key.</param>
/// <param name="ModelShape">The model's shape.</param>
/// <param name="FileShape">The file's shape.</param>
public sealed record ShapeMismatch(string Key, long[] ModelShape, long[] FileShape)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Key}: model [{string.Join(", ", ModelShape)}], file [{string.Join(", ", FileShape)}]";
}
