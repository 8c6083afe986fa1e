using System.Security.Cryptography;

namespace CallbackGen.IO;

/// <summary>
/// A write-only stream that passes every byte to another stream and into a SHA-256 as it goes, and
/// counts them: a file's digest and its section offsets without a second pass, a seek back or a
/// copy of the file in memory (docs/checkpoint-format.md).
/// </summary>
internal sealed class HashingStream : Stream
{
    private readonly Stream inner;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long written;

    public HashingStream(Stream inner) => this.inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => written;

    /// <summary>Bytes written so far (the offset of the next byte in the file).</summary>
    public override long Position
    {
        get => written;
        set => throw new NotSupportedException("A hashing stream only appends.");
    }

    /// <summary>Writes <paramref name="buffer"/> without hashing it (the digest itself, after <see cref="Digest"/>).</summary>
    public void WriteUnhashed(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        written += buffer.Length;
    }

    /// <summary>The SHA-256 of every byte written so far (the hash starts again after this).</summary>
    public byte[] Digest() => hash.GetHashAndReset();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.AppendData(buffer);
        inner.Write(buffer);
        written += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
