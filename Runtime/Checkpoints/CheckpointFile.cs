using System.Security.Cryptography;
using System.Text;

namespace CallbackGen.Checkpoints;

/// <summary>
/// The container format of every CallbackGen file that holds tensors (checkpoints, weights files
/// written by <see cref="Learner.Save"/> and <see cref="ModelWeights"/>, exports): named binary
/// sections behind a magic header and a version, closed by a SHA-256 of everything before it. Reading checks all of it before
/// returning anything, so a truncated, empty, foreign or corrupted file is rejected whole.
/// </summary>
/// <remarks>
/// Layout, little-endian (version 2; version 1 held hand-written callback state and is refused):
/// <code>
/// magic    8 bytes   "CBGCKPT" followed by 0x1A
/// version  int32     2
/// count    int32     number of sections
/// section  count times: name (BinaryWriter string: 7-bit length + UTF-8), length int64, payload
/// digest   32 bytes  SHA-256 of every byte above
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
    public const int Version = 2;

    private const int DigestLength = 32;

    private const int MaxSections = 1 << 16;

    /// <summary>Writes <paramref name="sections"/> to <paramref name="path"/> atomically (see <see cref="IO.AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> sections) =>
        Write(path, sections, openTemporary: null);

    /// <summary>The seam: <paramref name="openTemporary"/> opens the temporary file (null: a file on disk).</summary>
    internal static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> sections, Func<string, Stream>? openTemporary)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sections);
        byte[] file = ToBytes(sections);
        if (openTemporary is null)
        {
            IO.AtomicFile.WriteAllBytes(path, file);
        }
        else
        {
            IO.AtomicFile.Write(path, stream => stream.Write(file), openTemporary);
        }
    }

    /// <summary>The whole file for <paramref name="sections"/>: header, sections and digest.</summary>
    internal static byte[] ToBytes(IReadOnlyList<KeyValuePair<string, byte[]>> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        byte[] body = Encode(sections);
        byte[] file = new byte[body.Length + DigestLength];
        body.CopyTo(file, 0);
        SHA256.HashData(body, file.AsSpan(body.Length));
        return file;
    }

    /// <summary>
    /// Reads and checks a checkpoint file; throws <see cref="CheckpointException"/> naming the file
    /// and the problem when it is not a complete checkpoint of a version this build reads.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromBytes(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Checks and splits a whole file's bytes (see <see cref="Read"/>); <paramref name="kind"/> names
    /// what was expected in the messages ("checkpoint", "weights file").
    /// </summary>
    internal static IReadOnlyDictionary<string, byte[]> FromBytes(byte[] bytes, string path, string kind = "checkpoint")
    {
        CheckpointException Bad(string why) => new($"Cannot load {kind} '{path}': {why}.", path);
        if (bytes.Length == 0)
        {
            throw Bad("the file is empty");
        }

        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Bad($"it does not start with the CallbackGen file magic bytes; it is not a {kind}");
        }

        if (bytes.Length < Magic.Length + 8 + DigestLength)
        {
            throw Bad($"it is truncated ({bytes.Length} bytes)");
        }

        int version = BitConverter.ToInt32(bytes, Magic.Length);
        if (version != Version)
        {
            throw Bad($"it has format version {version}; this build reads version {Version}");
        }

        int bodyLength = bytes.Length - DigestLength;
        if (!SHA256.HashData(bytes.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(bytes.AsSpan(bodyLength)))
        {
            throw Bad("its checksum does not match: the file is truncated or corrupted");
        }

        try
        {
            return Decode(bytes.AsSpan(0, bodyLength).ToArray());
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentException or DecoderFallbackException)
        {
            throw Bad("its sections are malformed: " + ex.Message);
        }
    }

    private static byte[] Encode(IReadOnlyList<KeyValuePair<string, byte[]>> sections)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(sections.Count);
            foreach (var (name, data) in sections)
            {
                w.Write(name);
                w.Write((long)data.Length);
                w.Write(data);
            }
        }

        return ms.ToArray();
    }

    private static Dictionary<string, byte[]> Decode(byte[] body)
    {
        using var r = new BinaryReader(new MemoryStream(body), new UTF8Encoding(false, throwOnInvalidBytes: true));
        r.BaseStream.Position = Magic.Length + 4;
        int count = r.ReadInt32();
        if (count < 0 || count > MaxSections)
        {
            throw new IOException($"section count {count} is out of range");
        }

        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            long length = r.ReadInt64();
            if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            {
                throw new IOException($"section '{name}' claims {length} bytes but only {r.BaseStream.Length - r.BaseStream.Position} remain");
            }

            if (!sections.TryAdd(name, r.ReadBytes((int)length)))
            {
                throw new IOException($"section '{name}' appears twice");
            }
        }

        if (r.BaseStream.Position != r.BaseStream.Length)
        {
            throw new IOException($"{r.BaseStream.Length - r.BaseStream.Position} bytes follow the last section");
        }

        return sections;
    }
}
