using System.Text;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Writes a callback's checkpoint state as self-describing member records: each member's name, its
/// type signature and its value. Used by generated code (<c>[Checkpointed]</c>); the member being
/// written is opened with <see cref="BeginMember"/> and closed with <see cref="EndMember"/>.
/// </summary>
public sealed class StateWriter
{
    private readonly List<StateRecord> records = new();
    private readonly MemoryStream buffer = new();
    private readonly BinaryWriter output;
    private string? member;
    private string? signature;

    internal StateWriter() => output = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true);

    internal IReadOnlyList<StateRecord> Records => records;

    /// <summary>Starts the record of member <paramref name="name"/>, whose type is described by <paramref name="typeSignature"/>.</summary>
    public void BeginMember(string name, string typeSignature)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(typeSignature);
        if (member is not null)
        {
            throw new InvalidOperationException($"Member '{member}' is still open; call EndMember first.");
        }

        member = name;
        signature = typeSignature;
        buffer.SetLength(0);
    }

    /// <summary>Closes the record opened by <see cref="BeginMember"/>.</summary>
    public void EndMember()
    {
        output.Flush();
        records.Add(new StateRecord(member ?? throw new InvalidOperationException("No member is open."), signature!, buffer.ToArray()));
        member = null;
    }

    /// <summary>Writes a value.</summary>
    public void WriteBoolean(bool value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteByte(byte value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteSByte(sbyte value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteInt16(short value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteUInt16(ushort value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteInt32(int value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteUInt32(uint value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteInt64(long value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteUInt64(ulong value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteSingle(float value) => Out.Write(value);

    /// <summary>Writes a value.</summary>
    public void WriteDouble(double value) => Out.Write(value);

    /// <summary>Writes a value (ticks).</summary>
    public void WriteTimeSpan(TimeSpan value) => Out.Write(value.Ticks);

    /// <summary>Writes a string or null.</summary>
    public void WriteString(string? value)
    {
        Out.Write(value is not null);
        if (value is not null)
        {
            Out.Write(value);
        }
    }

    /// <summary>Writes the length of a sequence, or −1 for null.</summary>
    public void WriteCount(int count) => Out.Write(count);

    /// <summary>Writes a tensor (or null) with the checkpoint's tensor codec: dtype, shape and bytes, from any device.</summary>
    public void WriteTensor(Tensor? value)
    {
        Out.Write(value is not null);
        if (value is not null)
        {
            TensorCodec.Write(Out, new[] { KeyValuePair.Create(string.Empty, value) });
        }
    }

    private BinaryWriter Out => member is not null ? output : throw new InvalidOperationException("Open a member with BeginMember before writing values.");
}

/// <summary>One stored member: name, type signature and the bytes of its value.</summary>
internal sealed record StateRecord(string Name, string Signature, byte[] Payload);
