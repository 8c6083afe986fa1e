using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Writes and reads named tensors: a count, then per tensor its name, element type code, rank, each
/// dimension, byte count and the elements in row-major order as stored on the CPU (little-endian on
/// every platform TorchSharp ships for). Writing streams each tensor's memory to the file
/// (<see cref="TensorBytes"/>); reading checks every header field before anything is allocated
/// (<see cref="ReadHeader"/>), then reads elements into their destination or into a bounded record.
/// </summary>
internal static class TensorCodec
{
    /// <summary>The highest rank a record may have (libtorch's own limit is 64; no state tensor comes near).</summary>
    public const int MaxRank = 64;

    // name length (1) + dtype (4) + rank (4) + byte count (8): the least a record takes.
    private const int MinRecordBytes = 17;

    /// <summary>Writes <paramref name="tensors"/> (any device) as a count followed by each record.</summary>
    public static void Write(BinaryWriter w, IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        w.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            WriteOne(w, name, tensor);
        }
    }

    /// <summary>Writes one record, its elements straight from the tensor's memory.</summary>
    public static void WriteOne(BinaryWriter w, string name, Tensor tensor)
    {
        w.Write(name);
        w.Write((int)tensor.dtype);
        long[] shape = tensor.shape;
        w.Write(shape.Length);
        foreach (long d in shape)
        {
            w.Write(d);
        }

        w.Write(tensor.numel() * tensor.ElementSize);
        w.Flush();
        TensorBytes.Write(w.BaseStream, tensor);
    }

    /// <summary>Reads a record count, checked against the bytes left (each record takes at least 17).</summary>
    /// <exception cref="InvalidDataException">The count is negative or more records than the bytes left can hold.</exception>
    public static int ReadCount(BinaryReader r)
    {
        int count = r.ReadInt32();
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (count < 0 || count > left / MinRecordBytes)
        {
            throw new InvalidDataException($"a tensor count of {count} is out of range ({left} bytes follow)");
        }

        return count;
    }

    /// <summary>
    /// Reads and checks one record's header, leaving the stream at its elements: a known element
    /// type, rank 0 to <see cref="MaxRank"/>, no negative dimension, a byte count equal to
    /// elements × element size (computed without overflow) and no larger than what is left.
    /// </summary>
    /// <exception cref="InvalidDataException">A field is out of range; the message names the tensor and the field.</exception>
    public static TensorHeader ReadHeader(BinaryReader r)
    {
        string name = BoundedText.Read(r, "a tensor name");
        int code = r.ReadInt32();
        var dtype = (ScalarType)code;
        int size = ElementTypes.SizeOf(dtype);
        if (size == 0)
        {
            throw new InvalidDataException($"tensor '{name}' has element type code {code}, which is not a supported element type");
        }

        int rank = r.ReadInt32();
        if (rank < 0 || rank > MaxRank)
        {
            throw new InvalidDataException($"tensor '{name}' has rank {rank}; a rank is 0 to {MaxRank}");
        }

        long[] shape = new long[rank];
        long expected = size;
        for (int d = 0; d < rank; d++)
        {
            long dim = r.ReadInt64();
            if (dim < 0)
            {
                throw new InvalidDataException($"tensor '{name}' has dimension {d} of {dim}");
            }

            shape[d] = dim;
            // -1 marks an element count that overflowed: no byte count can equal it.
            expected = expected < 0 ? -1 : dim == 0 ? 0 : expected > long.MaxValue / dim ? -1 : expected * dim;
        }

        long bytes = r.ReadInt64();
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (expected < 0 || bytes != expected)
        {
            string need = expected < 0 ? "more than 2^63" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new InvalidDataException($"tensor '{name}' of shape [{string.Join(", ", shape)}] and type {dtype} needs {need} bytes but claims {bytes}");
        }

        if (bytes > left)
        {
            throw new InvalidDataException($"tensor '{name}' claims {bytes} bytes but {left} remain");
        }

        return new TensorHeader(name, dtype, shape, bytes, r.BaseStream.Position);
    }

    /// <summary>Reads the headers of a whole list, skipping the elements (the stream must seek).</summary>
    public static List<TensorHeader> ReadHeaders(BinaryReader r)
    {
        int count = ReadCount(r);
        var headers = new List<TensorHeader>(count);
        for (int i = 0; i < count; i++)
        {
            TensorHeader h = ReadHeader(r);
            r.BaseStream.Position = h.DataOffset + h.ByteCount;
            headers.Add(h);
        }

        return headers;
    }

    /// <summary>Reads a whole list into memory (small lists only: callback state, gradients, transforms); every length checked first.</summary>
    public static List<TensorRecord> Read(BinaryReader r)
    {
        int count = ReadCount(r);
        var records = new List<TensorRecord>(count);
        for (int i = 0; i < count; i++)
        {
            TensorHeader h = ReadHeader(r);
            // ReadHeader checked the count against the bytes left, so this allocation is bounded by the file.
            byte[] data = r.ReadBytes((int)h.ByteCount);
            if (data.Length != h.ByteCount)
            {
                throw new InvalidDataException($"tensor '{h.Name}' is cut short");
            }

            records.Add(new TensorRecord(h.Name, h.DType, h.Shape, data));
        }

        return records;
    }
}
