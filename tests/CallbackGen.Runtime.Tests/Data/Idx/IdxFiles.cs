using System.Buffers.Binary;
using System.IO.Compression;

namespace CallbackGen.Runtime.Tests.Data.Idx;

/// <summary>Builds small IDX files in memory, including malformed ones.</summary>
internal static class IdxFiles
{
    public const byte UInt8 = 0x08;

    /// <summary>An IDX file: magic (00 00 type rank), big-endian sizes, then <paramref name="data"/> as given.</summary>
    public static byte[] Raw(byte type, uint[] dims, byte[] data, int? rank = null)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)(rank ?? dims.Length);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + (4 * i), 4), dims[i]);
        }

        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    public static byte[] Images(int count, int rows, int cols, int seed = 1)
    {
        var data = new byte[count * rows * cols];
        new Random(seed).NextBytes(data);
        return Raw(UInt8, [(uint)count, (uint)rows, (uint)cols], data);
    }

    public static byte[] Labels(params byte[] labels) => Raw(UInt8, [(uint)labels.Length], labels);

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>Decompresses as far as the data allows (at most <paramref name="cap"/> bytes), never throwing.</summary>
    public static long DecompressedLength(byte[] gz, long cap)
    {
        long total = 0;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
            var buffer = new byte[16 * 1024];
            int n;
            while (total < cap && (n = gzip.Read(buffer)) > 0)
            {
                total += n;
            }
        }
        catch (InvalidDataException)
        {
        }

        return total;
    }

    public static string WriteTemp(string directory, string name, byte[] bytes)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
