using static TorchSharp.torch;

namespace CallbackGen.Interop;

/// <summary>
/// One tensor of a foreign weights file, described before any byte of it is read: its element type,
/// shape and strides, and where its elements lie (a storage of the file, an offset into it). Every
/// number here has been checked against the storage's size, and the storage's size against the file's.
/// </summary>
internal sealed record ForeignTensor(string Key, ScalarType DType, long[] Shape, long[] Stride, long Offset, string StorageKey, long StorageElements)
{
    /// <summary>The number of elements.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);
}
