using System.Text.Json;

namespace CallbackGen.Checkpoints;

/// <summary>
/// The container format of every CallbackGen file that holds tensors (checkpoints, weights files
/// written by <see cref="Learner.Save"/> and <see cref="ModelWeights"/>, exports): a magic header and
/// a version, named section payloads written one after the other, an index of the sections, and a
/// SHA-256 of everything before it. Written front to back as the bytes are produced
/// (<see cref="CheckpointWriter"/>); read by checking the digest in one streaming pass and the index,
/// then parsing sections in place (<see cref="CheckpointReader"/>).
/// </summary>
/// <remarks>
/// Layout, little-endian (version 3; versions 1 and 2 are refused with a message saying so):
/// <code>
/// magic         8 bytes   "CBGCKPT" followed by 0x1A
/// version       int32     3
/// payloads      each section's bytes, back to back
/// index         int32 count; per section: int32 name length, UTF-8 name, int64 offset, int64 length
/// index offset  int64
/// digest        32 bytes  SHA-256 of every byte above
/// </code>
/// Section payloads are described where they are written (<see cref="Checkpoint"/>); a weights file
/// is the same container with only the checkpoint's <c>model</c> section.
/// Writes go through <see cref="IO.AtomicFile"/> (temporary file in the same folder, fsync, rename,
/// fsync of the folder), so a crash mid-write leaves the previous checkpoint intact.
/// </remarks>
public static class CheckpointFile
{
    /// <summary>The first eight bytes of every checkpoint.</summary>
    public static ReadOnlySpan<byte> Magic => "CBGCKPT\u001A"u8;

    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 3;

    /// <summary>The longest section name, in bytes of UTF-8.</summary>
    public const int MaxNameBytes = 1024;

    internal const int DigestLength = 32;

    internal const int HeaderLength = 12;

    internal const int MaxSections = 1 << 16;

    // Header, an empty index (count), its offset and the digest.
    internal const int MinLength = HeaderLength + 4 + 8 + DigestLength;

    /// <summary>Writes <paramref name="sections"/> to <paramref name="path"/> atomically (see <see cref="IO.AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> sections) =>
        Write(path, sections, openTemporary: null);

    /// <summary>The seam: <paramref name="openTemporary"/> opens the temporary file (null: a file on disk).</summary>
    internal static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> sections, Func<string, Stream>? openTemporary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sections);
        Write(path, w =>
        {
            foreach (var (name, data) in sections)
            {
                w.Section(name, b => b.Write(data));
            }
        }, openTemporary);
    }

    /// <summary>Writes a file atomically, its sections streamed by <paramref name="write"/> into the temporary file.</summary>
    internal static void Write(string path, Action<CheckpointWriter> write, Func<string, Stream>? openTemporary = null)
    {
        void Content(Stream stream)
        {
            using var w = new CheckpointWriter(stream);
            write(w);
            w.Finish();
        }

        if (openTemporary is null)
        {
            IO.AtomicFile.Write(path, Content);
        }
        else
        {
            IO.AtomicFile.Write(path, Content, openTemporary);
        }
    }

    /// <summary>
    /// Reads and checks a checkpoint file, every section into memory (for small files and tools;
    /// loading goes through the streaming reader); throws <see cref="CheckpointException"/> naming
    /// the file and the problem when it is not a complete checkpoint of a version this build reads.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Read(string path)
    {
        using CheckpointReader reader = CheckpointReader.Open(path);
        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string name in reader.Names)
        {
            sections[name] = reader.ReadAll(name);
        }

        return sections;
    }

    /// <summary>
    /// True for an exception a malformed or crafted payload can make a parser throw (the runtime's
    /// own: end of data, bad formats, overflows, failed allocations, bad arguments to TorchSharp),
    /// which readers turn into a <see cref="CheckpointException"/> naming the section.
    /// </summary>
    internal static bool IsDataError(Exception ex) => ex is IOException or InvalidDataException or FormatException or OverflowException
        or OutOfMemoryException or IndexOutOfRangeException or ArgumentException or InvalidCastException
        or InvalidOperationException or NotImplementedException or NotSupportedException or KeyNotFoundException
        or JsonException or System.Text.DecoderFallbackException or ArithmeticException;
}
