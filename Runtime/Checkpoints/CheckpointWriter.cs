using System.Text;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Writes a <see cref="CheckpointFile"/> to a stream front to back: the header, each section's
/// payload as its writer produces it, then the index, the index's offset and the SHA-256 of every
/// byte before it, computed as the bytes go out. Nothing is held in memory but the index.
/// </summary>
internal sealed class CheckpointWriter : IDisposable
{
    private readonly IO.HashingStream output;
    private readonly BinaryWriter writer;
    private readonly List<SectionEntry> index = new();
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private bool finished;

    /// <summary>Starts a file on <paramref name="stream"/> (left open) with the magic and the version.</summary>
    public CheckpointWriter(Stream stream)
    {
        output = new IO.HashingStream(stream);
        writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        writer.Write(CheckpointFile.Magic);
        writer.Write(CheckpointFile.Version);
    }

    /// <summary>Writes section <paramref name="name"/>: whatever <paramref name="write"/> writes is its payload.</summary>
    /// <exception cref="ArgumentException">The name is empty, too long, or already used in this file.</exception>
    public void Section(string name, Action<BinaryWriter> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(write);
        if (Encoding.UTF8.GetByteCount(name) > CheckpointFile.MaxNameBytes)
        {
            throw new ArgumentException($"A section name is at most {CheckpointFile.MaxNameBytes} bytes of UTF-8: '{name}'.", nameof(name));
        }

        if (finished || !names.Add(name))
        {
            throw new ArgumentException(finished ? "The file is finished." : $"Section '{name}' is written twice.", nameof(name));
        }

        long start = output.Position;
        write(writer);
        writer.Flush();
        index.Add(new SectionEntry(name, start, output.Position - start));
    }

    /// <summary>Writes the index, its offset and the digest; the file is complete after this.</summary>
    public void Finish()
    {
        finished = true;
        long indexOffset = output.Position;
        writer.Write(index.Count);
        foreach (SectionEntry e in index)
        {
            byte[] name = Encoding.UTF8.GetBytes(e.Name);
            writer.Write(name.Length);
            writer.Write(name);
            writer.Write(e.Offset);
            writer.Write(e.Length);
        }

        writer.Write(indexOffset);
        writer.Flush();
        output.WriteUnhashed(output.Digest());
        output.Flush();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        writer.Dispose();
        output.Dispose();
    }
}
