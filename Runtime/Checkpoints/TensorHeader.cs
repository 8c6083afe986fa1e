using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// A tensor record's header as read and checked by <see cref="TensorCodec.ReadHeader"/>: its element
/// type is one of <see cref="ElementTypes"/>, every dimension is non-negative, and
/// <see cref="ByteCount"/> equals elements × element size and lies inside the section.
/// </summary>
/// <param name="Name">The tensor's name (a state-dictionary key).</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="ByteCount">The bytes of its elements.</param>
/// <param name="DataOffset">Where its elements start in the section.</param>
internal sealed record TensorHeader(string Name, ScalarType DType, long[] Shape, long ByteCount, long DataOffset)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
