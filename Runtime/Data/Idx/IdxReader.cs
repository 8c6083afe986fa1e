using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Reads IDX files (the MNIST format), raw or gzip-compressed; the two are told apart by their
/// first bytes, never by the file name. Every header field is checked against the data that
/// really follows, and nothing is allocated for data the file does not hold: a corrupt, truncated
/// or oversized file raises an <see cref="InvalidDataException"/> whose message names the file
/// and the problem. (Bytes after the end of a gzip stream that do not form another gzip member
/// are ignored, as <c>gzip -d</c> does: .NET's <see cref="GZipStream"/> does not report them.)
/// </summary>
/// <example>
/// <code>
/// using Tensor images = IdxReader.ReadImages("train-images-idx3-ubyte.gz"); // float32 [N, 28, 28] in [0, 1]
/// using Tensor labels = IdxReader.ReadLabels("train-labels-idx1-ubyte.gz"); // int64 [N]
/// </code>
/// </example>
public static class IdxReader
{
    // Decompressed data arrives in pieces; the buffer grows from this size towards what the
    // header promises, so a small file claiming a huge shape never gets a huge buffer.
    private const int InitialBufferSize = 64 * 1024;

    /// <summary>Reads an IDX file into a tensor of its own element type and shape.</summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <exception cref="InvalidDataException">The file is not a complete, well-formed IDX file.</exception>
    public static Tensor Read(string path)
    {
        using FileStream file = OpenFile(path);
        return Read(file, path);
    }

    /// <summary>Reads IDX data from a stream (raw or gzip) into a tensor of its element type and shape.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="name">The name used in error messages (usually the file path).</param>
    /// <exception cref="InvalidDataException">The data is not a complete, well-formed IDX file.</exception>
    public static Tensor Read(Stream stream, string name)
    {
        (IdxHeader header, byte[] data) = ReadRaw(stream, name, check: null);
        return ToTensor(header, data);
    }

    /// <summary>Reads IDX data held in memory (raw or gzip) into a tensor of its element type and shape.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <exception cref="InvalidDataException">The data is not a complete, well-formed IDX file.</exception>
    public static Tensor Read(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        return Read(stream, name);
    }

    /// <summary>Reads the header and the raw big-endian data bytes of IDX data (raw or gzip).</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <returns>The validated header and exactly <see cref="IdxHeader.DataLength"/> bytes.</returns>
    /// <exception cref="InvalidDataException">The data is not a complete, well-formed IDX file.</exception>
    public static (IdxHeader Header, byte[] Data) ReadRaw(Stream stream, string name) => ReadRaw(stream, name, check: null);

    /// <summary>
    /// Reads an images file: unsigned bytes of shape [count, rows, columns].
    /// </summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <param name="scale">True (default): float32 in [0, 1] (each byte divided by 255); false: the bytes as uint8.</param>
    /// <exception cref="InvalidDataException">The file is malformed or not a uint8 rank-3 IDX file.</exception>
    public static Tensor ReadImages(string path, bool scale = true)
    {
        using FileStream file = OpenFile(path);
        return ReadImages(file, path, scale);
    }

    /// <summary>Reads images (uint8, [count, rows, columns]) from a stream; see <see cref="ReadImages(string, bool)"/>.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <param name="scale">True: float32 in [0, 1]; false: uint8 as stored.</param>
    /// <exception cref="InvalidDataException">The data is malformed or not a uint8 rank-3 IDX file.</exception>
    public static Tensor ReadImages(Stream stream, string name, bool scale = true) =>
        ReadImages(stream, name, scale, expectedCount: null, countSource: null);

    /// <summary>Reads a labels file: unsigned bytes of shape [count], returned as int64.</summary>
    /// <param name="path">The file (raw or gzip).</param>
    /// <exception cref="InvalidDataException">The file is malformed or not a uint8 rank-1 IDX file.</exception>
    public static Tensor ReadLabels(string path)
    {
        using FileStream file = OpenFile(path);
        return ReadLabels(file, path);
    }

    /// <summary>Reads labels (uint8, [count]) from a stream as an int64 tensor.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="name">The name used in error messages.</param>
    /// <exception cref="InvalidDataException">The data is malformed or not a uint8 rank-1 IDX file.</exception>
    public static Tensor ReadLabels(Stream stream, string name)
    {
        (IdxHeader header, byte[] data) = ReadRaw(stream, name, h => ExpectShape(h, name, 1, "a labels file (one dimension: the count)"));
        var labels = new long[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            labels[i] = data[i];
        }

        return tensor(labels, new long[] { header.Dimensions[0] });
    }

    /// <summary>
    /// Reads a matching pair of images and labels files, checking that they hold the same number of
    /// samples (before the images' data is read).
    /// </summary>
    /// <param name="imagesPath">The images file (uint8 [count, rows, columns]).</param>
    /// <param name="labelsPath">The labels file (uint8 [count]).</param>
    /// <param name="scale">True: images as float32 in [0, 1]; false: uint8.</param>
    /// <exception cref="InvalidDataException">Either file is malformed, or their counts differ.</exception>
    public static (Tensor Images, Tensor Labels) ReadImagesAndLabels(string imagesPath, string labelsPath, bool scale = true)
    {
        Tensor labels = ReadLabels(labelsPath);
        try
        {
            using FileStream file = OpenFile(imagesPath);
            Tensor images = ReadImages(file, imagesPath, scale, labels.shape[0], labelsPath);
            return (images, labels);
        }
        catch
        {
            labels.Dispose();
            throw;
        }
    }

    private static Tensor ReadImages(Stream stream, string name, bool scale, long? expectedCount, string? countSource)
    {
        (IdxHeader header, byte[] data) = ReadRaw(stream, name, h =>
        {
            ExpectShape(h, name, 3, "an images file (three dimensions: count, rows, columns)");
            if (expectedCount is long count && h.Dimensions[0] != count)
            {
                throw Invalid(name, $"holds {h.Dimensions[0]} images but '{countSource}' holds {count} labels; an images file and its labels file must have the same count");
            }
        });

        long[] shape = Shape(header);
        if (!scale)
        {
            return tensor(data, shape, ScalarType.Byte);
        }

        var pixels = new float[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            pixels[i] = data[i] / 255f;
        }

        return tensor(pixels, shape);
    }

    private static void ExpectShape(IdxHeader header, string name, int rank, string what)
    {
        if (header.DataType != IdxDataType.UInt8)
        {
            throw Invalid(name, $"has element type {header.DataType} (0x{(byte)header.DataType:X2}) but {what} must hold unsigned bytes (0x08)");
        }

        if (header.Rank != rank)
        {
            throw Invalid(name, $"has {header.Rank} dimension(s) ({header}) but {what} must have {rank}");
        }
    }

    private static (IdxHeader Header, byte[] Data) ReadRaw(Stream stream, string name, Action<IdxHeader>? check)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);

        // Peek at two bytes: gzip starts with 1F 8B, IDX with 00 00.
        long start = stream.CanSeek ? stream.Position : 0;
        var signature = new byte[2];
        int got = stream.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        if (got == 0)
        {
            throw Invalid(name, "is empty");
        }

        Stream source;
        if (stream.CanSeek)
        {
            stream.Position = start;
            source = stream;
        }
        else
        {
            source = new PrefixedStream(signature[..got], stream);
        }

        if (got == 2 && signature[0] == 0x1F && signature[1] == 0x8B)
        {
            using var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
            return ReadIdx(gzip, name, compressed: true, available: null, check);
        }

        long? available = stream.CanSeek ? stream.Length - start : null;
        return ReadIdx(source, name, compressed: false, available, check);
    }

    private static (IdxHeader Header, byte[] Data) ReadIdx(Stream source, string name, bool compressed, long? available, Action<IdxHeader>? check)
    {
        string holds = compressed ? "decompresses to" : "holds";
        Span<byte> magic = stackalloc byte[4];
        int got = ReadFully(source, magic, name, compressed);
        if (got >= 2 && (magic[0] != 0 || magic[1] != 0))
        {
            throw Invalid(name, $"does not start with the IDX magic number 00 00 (found {magic[0]:X2} {magic[1]:X2}); it is neither an IDX file nor gzip-compressed IDX data");
        }

        if (got < 4)
        {
            throw Invalid(name, $"{holds} only {got} byte(s), too few for the 4-byte IDX magic number");
        }

        var type = (IdxDataType)magic[2];
        if (!Enum.IsDefined(type))
        {
            throw Invalid(name, $"has the unknown IDX data type code 0x{magic[2]:X2} (known: 08 uint8, 09 int8, 0B int16, 0C int32, 0D float32, 0E float64)");
        }

        int rank = magic[3];
        if (rank == 0)
        {
            throw Invalid(name, "declares 0 dimensions; an IDX file has at least one");
        }

        // At most 255 dimensions of 4 bytes: a bounded header, safe on the stack.
        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = ReadFully(source, dimBytes, name, compressed);
        if (got < dimBytes.Length)
        {
            throw Invalid(name, $"is truncated inside its header: {rank} dimension sizes need {dimBytes.Length} bytes after the magic number but only {got} follow");
        }

        var dims = ImmutableArray.CreateBuilder<int>(rank);
        long dataLength = IdxHeader.SizeOf(type);
        bool overflow = false;
        bool empty = false;
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * i, 4));
            if (size > int.MaxValue)
            {
                throw Invalid(name, $"declares dimension {i} as {size}, more than the largest supported size {int.MaxValue}");
            }

            dims.Add((int)size);
            if (size == 0)
            {
                empty = true;
            }
            else if (!overflow)
            {
                overflow = dataLength > long.MaxValue / size;
                dataLength = overflow ? long.MaxValue : dataLength * size;
            }
        }

        var header = new IdxHeader(type, dims.MoveToImmutable());

        // Even an empty shape must have sizes whose product fits: tensor strides are computed from it.
        if (overflow)
        {
            throw Invalid(name, $"declares the shape {header} whose size overflows 64 bits: no file can hold that much data");
        }

        if (empty)
        {
            dataLength = 0;
        }

        check?.Invoke(header);

        if (available is long total)
        {
            // The real length is known: compare before allocating anything.
            long follow = total - header.HeaderLength;
            if (follow < dataLength)
            {
                throw Invalid(name, $"is truncated: its header ({header}) promises {dataLength} bytes of data but only {follow} follow");
            }

            if (follow > dataLength)
            {
                throw Invalid(name, $"has {follow - dataLength} byte(s) after the {dataLength} bytes of data its header ({header}) describes");
            }
        }

        if (dataLength > Array.MaxLength)
        {
            throw Invalid(name, $"declares the shape {header}: {dataLength} bytes of data, more than this reader can hold in one array ({Array.MaxLength})");
        }

        byte[] data = ReadData(source, name, compressed, header, (int)dataLength, sizeKnown: available is not null);
        return (header, data);
    }

    private static byte[] ReadData(Stream source, string name, bool compressed, IdxHeader header, int length, bool sizeKnown)
    {
        string holds = compressed ? "decompresses to" : "holds";

        // With a known, checked length the exact buffer is safe; otherwise grow it as data arrives.
        byte[] buffer = new byte[sizeKnown ? length : Math.Min(length, InitialBufferSize)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }

            int n = ReadSome(source, buffer.AsSpan(filled), name, compressed);
            if (n == 0)
            {
                throw Invalid(name, $"is truncated: its header ({header}) promises {length} bytes of data but it {holds} only {filled}");
            }

            filled += n;
        }

        // The data must end exactly here (reading on also makes gzip verify its checksum).
        Span<byte> probe = stackalloc byte[1];
        if (ReadSome(source, probe, name, compressed) != 0)
        {
            throw Invalid(name, $"{holds} more than the {length} bytes of data its header ({header}) describes");
        }

        return buffer;
    }

    private static int ReadFully(Stream source, Span<byte> buffer, string name, bool compressed)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = ReadSome(source, buffer[filled..], name, compressed);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    private static int ReadSome(Stream source, Span<byte> buffer, string name, bool compressed)
    {
        if (!compressed)
        {
            return source.Read(buffer);
        }

        try
        {
            return source.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            // The decompressor's message does not say which file; ours does.
            throw Invalid(name, $"is not valid gzip data ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    private static Tensor ToTensor(IdxHeader header, byte[] data)
    {
        long[] shape = Shape(header);
        switch (header.DataType)
        {
            case IdxDataType.UInt8:
                return tensor(data, shape, ScalarType.Byte);
            case IdxDataType.Int8:
                return tensor(MemoryMarshal.Cast<byte, sbyte>(data).ToArray(), shape);
            case IdxDataType.Int16:
                short[] shorts = MemoryMarshal.Cast<byte, short>(data).ToArray();
                FromBigEndian(shorts.AsSpan());
                return tensor(shorts, shape);
            case IdxDataType.Int32:
                int[] ints = MemoryMarshal.Cast<byte, int>(data).ToArray();
                FromBigEndian(ints.AsSpan());
                return tensor(ints, shape);
            case IdxDataType.Float32:
                float[] floats = MemoryMarshal.Cast<byte, float>(data).ToArray();
                FromBigEndian(MemoryMarshal.Cast<float, int>(floats.AsSpan()));
                return tensor(floats, shape);
            case IdxDataType.Float64:
                double[] doubles = MemoryMarshal.Cast<byte, double>(data).ToArray();
                FromBigEndian(MemoryMarshal.Cast<double, long>(doubles.AsSpan()));
                return tensor(doubles, shape);
            default:
                throw new InvalidOperationException($"Unhandled IDX data type {header.DataType}.");
        }
    }

    private static void FromBigEndian(Span<short> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }
    }

    private static void FromBigEndian(Span<int> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }
    }

    private static void FromBigEndian(Span<long> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }
    }

    private static long[] Shape(IdxHeader header)
    {
        var shape = new long[header.Rank];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = header.Dimensions[i];
        }

        return shape;
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    private static InvalidDataException Invalid(string name, string problem, Exception? inner = null) =>
        new($"IDX file '{name}' {problem}.", inner);
}
