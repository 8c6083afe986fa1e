using TorchSharp;

namespace CallbackGen;

/// <summary>
/// A <see cref="Scalar"/> kept for a value that rarely changes: rebuilt only when the value does, and
/// disposed by its owner. Passing it to libtorch keeps it reachable until the call returns, which an
/// implicit conversion does not (TorchSharp 0.107; docs/data.md).
/// </summary>
internal sealed class HeldScalar : IDisposable
{
    private Scalar? scalar;
    private long bits;

    /// <summary>The Scalar for <paramref name="value"/>, rebuilt when the value differs from the last one.</summary>
    public Scalar For(double value)
    {
        long b = BitConverter.DoubleToInt64Bits(value);
        if (scalar is null || b != bits)
        {
            scalar?.Dispose();
            scalar = value.ToScalar();
            bits = b;
        }

        return scalar;
    }

    public void Dispose()
    {
        scalar?.Dispose();
        scalar = null;
    }
}
