using System.Buffers.Binary;
using System.IO.Compression;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>Writes tensors as IDX files (the MNIST format), raw or gzip-compressed.</summary>
public static class IdxWriter
{
    /// <summary>Writes <paramref name="tensor"/> to a file, atomically (see <see cref="IO.AtomicFile"/>).</summary>
    /// <param name="path">The file to create or replace; an existing file is replaced whole or, on any failure, left as it was.</param>
    /// <param name="tensor">A tensor of uint8, int8, int16, int32, float32 or float64 with 1 to 255 dimensions.</param>
    /// <param name="gzip">Compress with gzip; null (default): compress when the path ends with <c>.gz</c>.</param>
    public static void Write(string path, Tensor tensor, bool? gzip = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        bool compress = gzip ?? path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        IO.AtomicFile.Write(path, file => Write(file, tensor, compress));
    }

    /// <summary>Writes <paramref name="tensor"/> to a stream (left open).</summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="tensor">A tensor of uint8, int8, int16, int32, float32 or float64 with 1 to 255 dimensions.</param>
    /// <param name="gzip">Compress with gzip (smallest size).</param>
    public static void Write(Stream stream, Tensor tensor, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        IdxDataType type = TypeOf(tensor.dtype);
        if (tensor.Dimensions is < 1 or > 255)
        {
            throw new ArgumentException($"An IDX file holds 1 to 255 dimensions; the tensor has {tensor.Dimensions}.", nameof(tensor));
        }

        Span<byte> header = stackalloc byte[4 + (4 * (int)tensor.Dimensions)];
        header[2] = (byte)type;
        header[3] = (byte)tensor.Dimensions;
        for (int i = 0; i < tensor.Dimensions; i++)
        {
            if (tensor.shape[i] > int.MaxValue)
            {
                throw new ArgumentException($"Dimension {i} of the tensor ({tensor.shape[i]}) is larger than an IDX file can state.", nameof(tensor));
            }

            BinaryPrimitives.WriteInt32BigEndian(header.Slice(4 + (4 * i), 4), (int)tensor.shape[i]);
        }

        using Tensor cpuTensor = tensor.cpu().contiguous();
        byte[] data = cpuTensor.bytes.ToArray();
        ToBigEndian(data, IdxHeader.SizeOf(type));

        if (gzip)
        {
            using var compressor = new GZipStream(stream, CompressionLevel.SmallestSize, leaveOpen: true);
            compressor.Write(header);
            compressor.Write(data);
        }
        else
        {
            stream.Write(header);
            stream.Write(data);
        }
    }

    private static IdxDataType TypeOf(ScalarType dtype) => dtype switch
    {
        ScalarType.Byte => IdxDataType.UInt8,
        ScalarType.Int8 => IdxDataType.Int8,
        ScalarType.Int16 => IdxDataType.Int16,
        ScalarType.Int32 => IdxDataType.Int32,
        ScalarType.Float32 => IdxDataType.Float32,
        ScalarType.Float64 => IdxDataType.Float64,
        _ => throw new ArgumentException($"IDX has no element type for {dtype}; convert the tensor to uint8, int8, int16, int32, float32 or float64 first.", "tensor"),
    };

    private static void ToBigEndian(byte[] data, int elementSize)
    {
        if (elementSize == 1 || !BitConverter.IsLittleEndian)
        {
            return;
        }

        for (int i = 0; i < data.Length; i += elementSize)
        {
            data.AsSpan(i, elementSize).Reverse();
        }
    }
}
