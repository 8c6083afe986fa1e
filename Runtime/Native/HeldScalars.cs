using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// The Scalars one piece of code hands to libtorch, held until it is done and then disposed. TorchSharp
/// 0.107 turns a number into a Scalar implicitly, passes its handle and keeps no reference, so another
/// thread's garbage collection can free it during the native call (docs/data.md); a Scalar held here
/// lives until <see cref="Dispose"/>.
/// </summary>
/// <example>
/// <code>
/// using var s = new HeldScalars();
/// sum.add_(loss, s.Of(batchSize));
/// </code>
/// </example>
internal sealed class HeldScalars : IDisposable
{
    private readonly List<Scalar> made = new(4);
    private Scalar? one;

    /// <summary>The integer 1, the scale that <c>add(Tensor)</c> would otherwise make implicitly.</summary>
    public Scalar One => one ??= Keep(1L.ToScalar());

    /// <summary>A held Scalar for <paramref name="value"/>.</summary>
    public Scalar Of(double value) => Keep(value.ToScalar());

    /// <summary>A held Scalar for <paramref name="value"/> (integral, as an integer literal would give).</summary>
    public Scalar Of(long value) => Keep(value.ToScalar());

    /// <summary>Disposes every Scalar made here.</summary>
    public void Dispose()
    {
        foreach (Scalar s in made)
        {
            s.Dispose();
        }

        made.Clear();
        one = null;
    }

    private Scalar Keep(Scalar s)
    {
        made.Add(s);
        return s;
    }
}
