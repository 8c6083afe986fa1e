using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace CallbackGen.Checkpoints;

/// <summary>
/// An open <see cref="CheckpointFile"/> whose digest and index were checked: sections are read in
/// place as bounded windows of the file, never loaded whole unless asked for (<see cref="ReadAll"/>).
/// Every failure, however the file was damaged or crafted, is a <see cref="CheckpointException"/>
/// naming the file, the section and the problem (<see cref="Read{T}"/>).
/// </summary>
internal sealed class CheckpointReader : IDisposable
{
    private const int HashBuffer = 1 << 20;
    private readonly Stream file;
    private readonly bool ownsFile;
    private readonly Dictionary<string, SectionEntry> sections;

    private CheckpointReader(Stream file, bool ownsFile, string source, string kind, Dictionary<string, SectionEntry> sections, IReadOnlyList<string> order)
    {
        this.file = file;
        this.ownsFile = ownsFile;
        Source = source;
        Kind = kind;
        this.sections = sections;
        Names = order;
    }

    /// <summary>Where the file came from (a path), as messages name it.</summary>
    public string Source { get; }

    /// <summary>What the caller expected ("checkpoint", "weights file", "export"), as messages name it.</summary>
    public string Kind { get; }

    /// <summary>The sections' names, in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Opens and checks <paramref name="path"/> (see <see cref="Open(Stream, bool, string, string)"/>).</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static CheckpointReader Open(string path, string kind = "checkpoint")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return Open(stream, ownsFile: true, path, kind);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks a file on a seekable stream: length, magic, version, the SHA-256 of everything before
    /// the digest (one streaming pass, bounded buffer), then the index (offset, count, names, and
    /// sections that tile the space between the header and the index exactly), before any section is parsed.
    /// </summary>
    public static CheckpointReader Open(Stream stream, bool ownsFile, string source, string kind)
    {
        CheckpointException Bad(string why) => new($"Cannot load {kind} '{source}': {why}.", source, section: null);
        long length = stream.Length;
        if (length == 0)
        {
            throw Bad("the file is empty");
        }

        Span<byte> head = stackalloc byte[12];
        stream.Position = 0;
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (got < CheckpointFile.Magic.Length || !head[..CheckpointFile.Magic.Length].SequenceEqual(CheckpointFile.Magic))
        {
            throw Bad($"it does not start with the CallbackGen file magic bytes; it is not a {kind}");
        }

        if (got < 12)
        {
            throw Bad($"it is truncated ({length} bytes)");
        }

        int version = BitConverter.ToInt32(head[8..]);
        if (version != CheckpointFile.Version)
        {
            throw Bad(version is 1 or 2
                ? $"it has format version {version}, written by an earlier CallbackGen; this build reads version {CheckpointFile.Version} only. Write it again with this build (resume the old run with the version that wrote it)"
                : $"it has format version {version}; this build reads version {CheckpointFile.Version}");
        }

        if (length < CheckpointFile.MinLength)
        {
            throw Bad($"it is truncated ({length} bytes)");
        }

        long body = length - CheckpointFile.DigestLength;
        if (!DigestMatches(stream, body))
        {
            throw Bad("its checksum does not match: the file is truncated or corrupted");
        }

        var (entries, order) = ReadIndex(stream, body, Bad);
        return new CheckpointReader(stream, ownsFile, source, kind, entries, order);
    }

    /// <summary>True when the file has section <paramref name="name"/>.</summary>
    public bool Has(string name) => sections.ContainsKey(name);

    /// <summary>The payload length of section <paramref name="name"/>.</summary>
    public long LengthOf(string name) => Entry(name).Length;

    /// <summary>
    /// Parses section <paramref name="name"/> with <paramref name="read"/> over a window of the file;
    /// with <paramref name="toEnd"/> the payload must be consumed exactly. Whatever a malformed or
    /// crafted payload makes the parser throw becomes a <see cref="CheckpointException"/> naming the section.
    /// </summary>
    /// <param name="name">The section.</param>
    /// <param name="read">The parser.</param>
    /// <param name="toEnd">Whether the payload must be consumed exactly.</param>
    /// <param name="what">What the section holds, for the message ("the optimiser's state" gives "the optimiser's state does not fit: …").</param>
    public T Read<T>(string name, Func<BinaryReader, T> read, bool toEnd = true, string? what = null)
    {
        SectionEntry e = Entry(name);
        using var window = new IO.WindowStream(file, e.Offset, e.Length);
        using var r = new BinaryReader(window, Encoding.UTF8, leaveOpen: true);
        T value = Guard(name, () => read(r), what);
        if (toEnd && window.Remaining != 0)
        {
            throw Fail(name, $"{what ?? "its content"} left {window.Remaining} bytes unread; it was written by a different version or configuration");
        }

        return value;
    }

    /// <summary>As <see cref="Read{T}"/>, for a parser that returns nothing.</summary>
    public void Read(string name, Action<BinaryReader> read, bool toEnd = true, string? what = null) =>
        Read<bool>(name, r =>
        {
            read(r);
            return true;
        }, toEnd, what);

    /// <summary>A section's payload in memory (small sections; bounded by the file's size).</summary>
    public byte[] ReadAll(string name)
    {
        SectionEntry e = Entry(name);
        if (e.Length > Array.MaxLength)
        {
            throw Fail(name, $"it holds {e.Length} bytes, more than fit in memory at once");
        }

        return Read(name, r => r.ReadBytes((int)e.Length));
    }

    /// <summary>Runs <paramref name="action"/>, turning what a malformed payload can throw into a <see cref="CheckpointException"/> naming <paramref name="section"/>.</summary>
    public T Guard<T>(string section, Func<T> action, string? what = null)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is not CheckpointException && CheckpointFile.IsDataError(ex))
        {
            string why = ex.Message.TrimEnd('.');
            throw Fail(section, what is null ? why : $"{what} does not fit: {why}", ex);
        }
    }

    /// <summary>As <see cref="Guard{T}"/>, for an action that returns nothing.</summary>
    public void Guard(string section, Action action, string? what = null) =>
        Guard(section, () =>
        {
            action();
            return true;
        }, what);

    /// <summary>The error for <paramref name="why"/> in <paramref name="section"/>.</summary>
    public CheckpointException Fail(string section, string why, Exception? inner = null) =>
        new($"Cannot load {Kind} '{Source}': section '{section}': {why}.", Source, section, inner);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsFile)
        {
            file.Dispose();
        }
    }

    private SectionEntry Entry(string name) =>
        sections.TryGetValue(name, out SectionEntry? e) ? e : throw new CheckpointException($"Cannot load {Kind} '{Source}': it has no '{name}' section.", Source, name);

    private static bool DigestMatches(Stream stream, long body)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HashBuffer);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            stream.Position = 0;
            long left = body;
            while (left > 0)
            {
                int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0)
                {
                    return false;
                }

                hash.AppendData(buffer, 0, n);
                left -= n;
            }

            Span<byte> stored = stackalloc byte[CheckpointFile.DigestLength];
            stream.ReadExactly(stored);
            Span<byte> actual = stackalloc byte[CheckpointFile.DigestLength];
            hash.GetHashAndReset(actual);
            return actual.SequenceEqual(stored);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (Dictionary<string, SectionEntry>, List<string>) ReadIndex(Stream stream, long body, Func<string, CheckpointException> bad)
    {
        // body = header, payloads, index, index offset (8).
        long offsetAt = body - 8;
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        stream.Position = offsetAt;
        long indexOffset = r.ReadInt64();
        if (indexOffset < CheckpointFile.HeaderLength || indexOffset > offsetAt - 4)
        {
            throw bad($"its index offset {indexOffset} lies outside the file (the index must start between byte {CheckpointFile.HeaderLength} and {offsetAt - 4})");
        }

        using var window = new IO.WindowStream(stream, indexOffset, offsetAt - indexOffset);
        using var ir = new BinaryReader(window, Encoding.UTF8, leaveOpen: true);
        int count = ir.ReadInt32();
        // name length (4) + one byte + offset and length (16): the least an entry takes.
        if (count < 0 || count > CheckpointFile.MaxSections || count > window.Remaining / 21)
        {
            throw bad($"its index claims {count} sections, out of range for an index of {window.Length} bytes");
        }

        var entries = new Dictionary<string, SectionEntry>(count, StringComparer.Ordinal);
        var order = new List<string>(count);
        long expected = CheckpointFile.HeaderLength;
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        for (int i = 0; i < count; i++)
        {
            if (window.Remaining < 21)
            {
                throw bad($"its index ends inside entry {i}");
            }

            int nameLength = ir.ReadInt32();
            if (nameLength < 1 || nameLength > CheckpointFile.MaxNameBytes || nameLength > window.Remaining - 16)
            {
                throw bad($"index entry {i} has a name of {nameLength} bytes (1 to {CheckpointFile.MaxNameBytes})");
            }

            string name;
            try
            {
                name = strict.GetString(ir.ReadBytes(nameLength));
            }
            catch (DecoderFallbackException)
            {
                throw bad($"index entry {i} has a name that is not UTF-8");
            }

            long offset = ir.ReadInt64();
            long length = ir.ReadInt64();
            if (offset != expected || length < 0 || length > indexOffset - offset)
            {
                throw bad($"section '{name}' lies at {offset} with {length} bytes; it must start at {expected} and end by the index at {indexOffset}");
            }

            if (!entries.TryAdd(name, new SectionEntry(name, offset, length)))
            {
                throw bad($"section '{name}' appears twice in its index");
            }

            order.Add(name);
            expected = offset + length;
        }

        if (expected != indexOffset)
        {
            throw bad($"{indexOffset - expected} bytes between its last section and its index belong to no section");
        }

        if (window.Remaining != 0)
        {
            throw bad($"{window.Remaining} bytes follow the last entry of its index");
        }

        return (entries, order);
    }
}
