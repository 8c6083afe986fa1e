namespace CallbackGen.IO;

/// <summary>
/// A write-only in-memory stream kept in 1 MiB segments: holds exactly what was written (plus at
/// most one segment), never doubles and copies as a <see cref="MemoryStream"/> grows, and is written
/// out with <see cref="WriteTo"/>. The copy a background checkpoint write works from.
/// </summary>
internal sealed class SegmentedBuffer : Stream
{
    private const int SegmentSize = 1 << 20;
    private readonly List<byte[]> segments = new();
    private long length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException("A segmented buffer only appends.");
    }

    /// <summary>Writes everything held to <paramref name="destination"/>, in order.</summary>
    public void WriteTo(Stream destination)
    {
        long left = length;
        foreach (byte[] segment in segments)
        {
            int n = (int)Math.Min(left, segment.Length);
            destination.Write(segment, 0, n);
            left -= n;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int used = (int)(length % SegmentSize);
            if (used == 0 && length / SegmentSize == segments.Count)
            {
                segments.Add(GC.AllocateUninitializedArray<byte>(SegmentSize));
            }

            int n = Math.Min(SegmentSize - used, buffer.Length);
            buffer[..n].CopyTo(segments[^1].AsSpan(used));
            buffer = buffer[n..];
            length += n;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
