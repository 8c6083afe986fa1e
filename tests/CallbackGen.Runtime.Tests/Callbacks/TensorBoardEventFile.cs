using System.Text;

namespace CallbackGen.Runtime.Tests.Callbacks;

/// <summary>
/// A reader of TensorBoard event files written from scratch, so the test does not trust the writer's
/// own code: TFRecord framing (uint64 length, masked CRC-32C of the length's bytes, the data, masked
/// CRC-32C of the data; every CRC checked) and the parts of the <c>Event</c> protocol buffer that
/// scalars use (wall_time = 1 double, step = 2 varint, file_version = 3 string, summary = 5 message;
/// Summary.value = 1 repeated message; Value.tag = 1 string, Value.simple_value = 2 float, Value.histo = 5).
/// </summary>
internal static class TensorBoardEventFile
{
    public sealed record Value(string Tag, float? Simple, bool IsHistogram);

    public sealed record Event(double WallTime, long Step, string? FileVersion, IReadOnlyList<Value> Values);

    public static List<Event> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var events = new List<Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            Require(bytes.Length - pos >= 12, "a truncated record header");
            ulong length = BitConverter.ToUInt64(bytes, pos);
            Require(MaskedCrc(bytes.AsSpan(pos, 8)) == BitConverter.ToUInt32(bytes, pos + 8), "a length CRC mismatch");
            pos += 12;
            Require((ulong)(bytes.Length - pos) >= length + 4, "a truncated record");
            var data = bytes.AsSpan(pos, (int)length);
            Require(MaskedCrc(data) == BitConverter.ToUInt32(bytes, pos + (int)length), "a data CRC mismatch");
            events.Add(ParseEvent(data.ToArray()));
            pos += (int)length + 4;
        }

        return events;
    }

    private static Event ParseEvent(byte[] data)
    {
        double wallTime = 0;
        long step = 0;
        string? version = null;
        var values = new List<Value>();
        foreach (var (field, wire, payload, number) in Fields(data))
        {
            switch (field, wire)
            {
                case (1, 1):
                    wallTime = BitConverter.ToDouble(payload);
                    break;
                case (2, 0):
                    step = (long)number;
                    break;
                case (3, 2):
                    version = Encoding.UTF8.GetString(payload);
                    break;
                case (5, 2):
                    foreach (var (f, w, p, _) in Fields(payload))
                    {
                        if (f == 1 && w == 2)
                        {
                            values.Add(ParseValue(p));
                        }
                    }

                    break;
            }
        }

        return new Event(wallTime, step, version, values);
    }

    private static Value ParseValue(byte[] data)
    {
        string tag = "";
        float? simple = null;
        bool histogram = false;
        foreach (var (field, wire, payload, _) in Fields(data))
        {
            if (field == 1 && wire == 2)
            {
                tag = Encoding.UTF8.GetString(payload);
            }
            else if (field == 2 && wire == 5)
            {
                simple = BitConverter.ToSingle(payload);
            }
            else if (field == 5 && wire == 2)
            {
                histogram = true;
            }
        }

        return new Value(tag, simple, histogram);
    }

    private static IEnumerable<(int Field, int Wire, byte[] Payload, ulong Number)> Fields(byte[] data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            ulong key = Varint(data, ref pos);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    yield return (field, wire, Array.Empty<byte>(), Varint(data, ref pos));
                    break;
                case 1:
                    yield return (field, wire, data[pos..(pos + 8)], 0);
                    pos += 8;
                    break;
                case 2:
                    int len = (int)Varint(data, ref pos);
                    yield return (field, wire, data[pos..(pos + len)], 0);
                    pos += len;
                    break;
                case 5:
                    yield return (field, wire, data[pos..(pos + 4)], 0);
                    pos += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported wire type {wire} of field {field}");
            }
        }
    }

    private static ulong Varint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8U;
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78U : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void Require(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidDataException("The event file has " + what + ".");
        }
    }
}
