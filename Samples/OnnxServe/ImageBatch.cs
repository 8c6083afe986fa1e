using System.IO.Compression;

namespace CallbackGen.Samples.OnnxServe;

/// <summary>
/// Images as the exported model takes them: float32 pixels in [0, 1], row-major, [count, rows, columns];
/// read from an MNIST-format (IDX) file, raw or gzip.
/// </summary>
/// <param name="Pixels">The pixels of every image, one image after the other.</param>
/// <param name="Count">The number of images.</param>
/// <param name="Rows">Each image's height.</param>
/// <param name="Columns">Each image's width.</param>
public sealed record ImageBatch(float[] Pixels, int Count, int Rows, int Columns)
{
    /// <summary>Reads an IDX images file (magic 0x00000803: unsigned bytes, three dimensions).</summary>
    /// <param name="path">The file, raw or .gz.</param>
    /// <exception cref="InvalidDataException">It is not an IDX images file.</exception>
    public static ImageBatch ReadIdx(string path)
    {
        byte[] bytes = ReadAll(path);
        int[] dims = Header(bytes, path, 0x0803, 3);
        int count = dims[0], rows = dims[1], columns = dims[2];
        int offset = 4 + (4 * 3);
        if (bytes.Length - offset != (long)count * rows * columns)
        {
            throw new InvalidDataException($"'{path}': the header promises {count} images of {rows}×{columns} but {bytes.Length - offset} bytes follow.");
        }

        float[] pixels = new float[count * rows * columns];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = bytes[offset + i] / 255f;
        }

        return new ImageBatch(pixels, count, rows, columns);
    }

    /// <summary>Reads an IDX labels file (magic 0x00000801: unsigned bytes, one dimension).</summary>
    /// <param name="path">The file, raw or .gz.</param>
    /// <exception cref="InvalidDataException">It is not an IDX labels file.</exception>
    public static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadAll(path);
        int count = Header(bytes, path, 0x0801, 1)[0];
        return bytes.AsSpan(8).Length == count ? bytes[8..]
            : throw new InvalidDataException($"'{path}': the header promises {count} labels but {bytes.Length - 8} bytes follow.");
    }

    /// <summary>The first <paramref name="count"/> images.</summary>
    /// <param name="count">How many to keep.</param>
    public ImageBatch Take(int count) => count >= Count ? this : new(Pixels[..(count * Rows * Columns)], count, Rows, Columns);

    private static byte[] ReadAll(string path)
    {
        using FileStream file = File.OpenRead(path);
        using Stream data = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        data.CopyTo(memory);
        return memory.ToArray();
    }

    private static int[] Header(byte[] bytes, string path, int magic, int rank)
    {
        if (bytes.Length < 4 + (4 * rank) || BigEndian(bytes, 0) != magic)
        {
            throw new InvalidDataException($"'{path}' is not an IDX file of unsigned bytes with {rank} dimension(s) (magic 0x{magic:X8}).");
        }

        return Enumerable.Range(0, rank).Select(i => BigEndian(bytes, 4 + (4 * i))).ToArray();
    }

    private static int BigEndian(byte[] b, int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}
