using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>One small tensor read from a file, as checked bytes (<see cref="TensorCodec.Read"/>).</summary>
internal sealed record TensorRecord(string Name, ScalarType DType, long[] Shape, byte[] Data)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>A new CPU tensor with this record's contents; the caller owns it.</summary>
    /// <exception cref="InvalidDataException">The bytes do not match the shape and type.</exception>
    public Tensor ToTensor()
    {
        long expected = ElementTypes.SizeOf(DType);
        foreach (long d in Shape)
        {
            expected = expected < 0 || d < 0 ? -1 : d == 0 ? 0 : expected > long.MaxValue / d ? -1 : expected * d;
        }

        if (ElementTypes.SizeOf(DType) == 0 || expected != Data.Length)
        {
            throw new InvalidDataException($"tensor '{Name}' of shape {ShapeText} and type {DType} needs {expected} bytes but {Data.Length} are stored");
        }

        Tensor t = empty(Shape, DType);
        if (Data.Length > 0)
        {
            Data.CopyTo(t.bytes);
        }

        return t;
    }
}
