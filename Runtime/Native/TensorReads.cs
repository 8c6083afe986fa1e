using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Reads of a one-element tensor through a Scalar that is held and disposed, as fast as TorchSharp's
/// <c>ToSingle()</c>/<c>ToDouble()</c> (which leave their Scalar to the finalizer, where another
/// thread's collection can free it mid-read and abort the process: docs/data.md).
/// </summary>
internal static class TensorReads
{
    /// <summary>The value of a one-element tensor as a float.</summary>
    public static float SingleValue(this Tensor t)
    {
        using Scalar s = t.ToScalar();
        return s.ToSingle();
    }

    /// <summary>The value of a one-element tensor as a double.</summary>
    public static double DoubleValue(this Tensor t)
    {
        using Scalar s = t.ToScalar();
        return s.ToDouble();
    }
}
