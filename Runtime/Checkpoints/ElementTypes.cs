using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// The element types a tensor record may have, with their sizes: a table, so a type code read from
/// a file is checked without asking libtorch about a value it may not know.
/// </summary>
internal static class ElementTypes
{
    /// <summary>The size in bytes of one element of <paramref name="type"/>, or 0 for a type a file may not hold.</summary>
    public static int SizeOf(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => 0,
    };
}
