using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Writes and reads named tensors as raw bytes: name, dtype code, rank, each dimension, byte
/// count, then the elements in row-major order as stored on the CPU (little-endian on every
/// platform TorchSharp ships for). Reading builds CPU tensors and never touches a model.
/// </summary>
internal static class TensorCodec
{
    /// <summary>Writes <paramref name="tensors"/> (any device) as a count followed by each entry.</summary>
    public static void Write(BinaryWriter w, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        w.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            using DisposeScope scope = NewDisposeScope();
            Tensor cpu = tensor.detach().cpu().contiguous();
            w.Write(name);
            w.Write((int)cpu.dtype);
            w.Write(cpu.shape.Length);
            foreach (long d in cpu.shape)
            {
                w.Write(d);
            }

            ReadOnlySpan<byte> bytes = cpu.bytes;
            w.Write((long)bytes.Length);
            w.Write(bytes);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote, checking every length against the data left.</summary>
    public static List<TensorRecord> Read(BinaryReader r)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > r.BaseStream.Length)
        {
            throw new InvalidDataException($"tensor count {count} is out of range");
        }

        var records = new List<TensorRecord>(count);
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            var dtype = (ScalarType)r.ReadInt32();
            if (!Enum.IsDefined(dtype))
            {
                throw new InvalidDataException($"tensor '{name}' has unknown element type code {(int)dtype}");
            }

            int rank = r.ReadInt32();
            if (rank < 0 || rank > 64)
            {
                throw new InvalidDataException($"tensor '{name}' has rank {rank}");
            }

            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt64();
                if (shape[d] < 0)
                {
                    throw new InvalidDataException($"tensor '{name}' has a negative dimension");
                }
            }

            long length = r.ReadInt64();
            if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            {
                throw new InvalidDataException($"tensor '{name}' claims {length} bytes but fewer remain");
            }

            records.Add(new TensorRecord(name, dtype, shape, r.ReadBytes((int)length)));
        }

        return records;
    }
}

/// <summary>One tensor read from a checkpoint, still as bytes.</summary>
internal sealed record TensorRecord(string Name, ScalarType DType, long[] Shape, byte[] Data)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>A new CPU tensor with this record's contents; the caller owns it.</summary>
    public Tensor ToTensor()
    {
        // Check the size before allocating, so a hostile shape cannot ask for terabytes.
        long elementSize;
        using (Tensor probe = empty(new long[] { 0 }, DType))
        {
            elementSize = probe.ElementSize;
        }

        long expected = elementSize;
        foreach (long d in Shape)
        {
            expected = d == 0 ? 0 : (expected > long.MaxValue / d ? -1 : expected * d);
        }

        if (expected != Data.Length)
        {
            throw new InvalidDataException($"tensor '{Name}' of shape {ShapeText} and type {DType} needs {expected} bytes but {Data.Length} are stored");
        }

        Tensor t = empty(Shape, DType);
        t.bytes = Data;
        return t;
    }
}
