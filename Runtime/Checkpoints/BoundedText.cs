using System.Text;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Strings in checkpoint sections, written as <see cref="BinaryWriter"/> writes them (7-bit encoded
/// byte length, UTF-8) and read with the length checked against the bytes left before anything is
/// allocated, and the UTF-8 checked strictly: <see cref="BinaryReader.ReadString"/> trusts a crafted
/// length and fails with exceptions of its own.
/// </summary>
internal static class BoundedText
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    /// <summary>Reads a string; <paramref name="what"/> names it in the error.</summary>
    /// <exception cref="InvalidDataException">The length is malformed or exceeds the bytes left, or the bytes are not UTF-8.</exception>
    public static string Read(BinaryReader r, string what = "a string")
    {
        int length = ReadLength(r, what);
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (length > left)
        {
            throw new InvalidDataException($"{what} claims {length} bytes but {left} remain");
        }

        byte[] bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new InvalidDataException($"{what} is cut short");
        }

        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{what} is not valid UTF-8");
        }
    }

    private static int ReadLength(BinaryReader r, string what)
    {
        // At most five bytes of seven bits; the fifth may carry only the top four bits of an int32.
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            int b = r.BaseStream.ReadByte();
            if (b < 0)
            {
                throw new InvalidDataException($"{what} is cut short in its length");
            }

            if (shift == 28 && b > 0x07)
            {
                throw new InvalidDataException($"{what} has a length beyond 2^31 - 1 (a malformed 7-bit encoded length)");
            }

            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException($"{what} has a malformed 7-bit encoded length");
    }
}
