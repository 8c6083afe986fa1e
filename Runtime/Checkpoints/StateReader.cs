using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Reads a callback's checkpoint state written by <see cref="StateWriter"/>. Used by generated code
/// (<c>[Checkpointed]</c>). A member that is missing, or stored with another type signature than the
/// one declared now, is an <see cref="InvalidDataException"/> naming the class, the member and both types.
/// </summary>
public sealed class StateReader
{
    private readonly string owner;
    private readonly Dictionary<string, StateRecord> records;
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly Device device;
    private BinaryReader? input;
    private string? member;

    internal StateReader(string owner, IEnumerable<StateRecord> records, Device device)
    {
        this.owner = owner;
        this.device = device;
        this.records = new Dictionary<string, StateRecord>(StringComparer.Ordinal);
        foreach (StateRecord r in records)
        {
            if (!this.records.TryAdd(r.Name, r))
            {
                throw new InvalidDataException($"{owner}'s state holds member '{r.Name}' twice");
            }
        }
    }

    /// <summary>The stored members nobody read, in name order.</summary>
    internal IEnumerable<StateRecord> Unread => records.Values.Where(r => !read.Contains(r.Name)).OrderBy(r => r.Name, StringComparer.Ordinal);

    /// <summary>Opens the stored record of <paramref name="name"/>, checking that it was stored as <paramref name="typeSignature"/>.</summary>
    /// <exception cref="InvalidDataException">The member is missing or was stored with another type.</exception>
    public void BeginMember(string name, string typeSignature)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(typeSignature);
        if (!records.TryGetValue(name, out StateRecord? record))
        {
            throw new InvalidDataException(
                $"{owner} declares [Checkpointed] member '{name}' ({typeSignature}) but the checkpoint holds no value for it (stored: {Stored()}); it was written by another version of {owner}");
        }

        if (!string.Equals(record.Signature, typeSignature, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{owner}.{name} was stored as '{record.Signature}' but is declared as '{typeSignature}' now; the checkpoint was written by another version of {owner}");
        }

        read.Add(name);
        member = name;
        input = new BinaryReader(new MemoryStream(record.Payload, writable: false), new UTF8Encoding(false, throwOnInvalidBytes: true));
    }

    /// <summary>Closes the member opened by <see cref="BeginMember"/>; its bytes must all have been read.</summary>
    public void EndMember()
    {
        BinaryReader r = In;
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (left != 0)
        {
            throw new InvalidDataException($"{owner}.{member}: {left} stored bytes were left unread");
        }

        member = null;
        input = null;
    }

    /// <summary>Reads a value.</summary>
    public bool ReadBoolean() => In.ReadBoolean();

    /// <summary>Reads a value.</summary>
    public byte ReadByte() => In.ReadByte();

    /// <summary>Reads a value.</summary>
    public sbyte ReadSByte() => In.ReadSByte();

    /// <summary>Reads a value.</summary>
    public short ReadInt16() => In.ReadInt16();

    /// <summary>Reads a value.</summary>
    public ushort ReadUInt16() => In.ReadUInt16();

    /// <summary>Reads a value.</summary>
    public int ReadInt32() => In.ReadInt32();

    /// <summary>Reads a value.</summary>
    public uint ReadUInt32() => In.ReadUInt32();

    /// <summary>Reads a value.</summary>
    public long ReadInt64() => In.ReadInt64();

    /// <summary>Reads a value.</summary>
    public ulong ReadUInt64() => In.ReadUInt64();

    /// <summary>Reads a value.</summary>
    public float ReadSingle() => In.ReadSingle();

    /// <summary>Reads a value.</summary>
    public double ReadDouble() => In.ReadDouble();

    /// <summary>Reads a value.</summary>
    public TimeSpan ReadTimeSpan() => TimeSpan.FromTicks(In.ReadInt64());

    /// <summary>Reads a string or null.</summary>
    public string? ReadString() => In.ReadBoolean() ? BoundedText.Read(In, $"{owner}.{member}") : null;

    /// <summary>Reads the length of a sequence (−1 for null), checked against the bytes left.</summary>
    public int ReadCount()
    {
        BinaryReader r = In;
        int n = r.ReadInt32();
        if (n < -1 || n > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new InvalidDataException($"{owner}.{member}: a stored length of {n} is out of range");
        }

        return n;
    }

    /// <summary>Reads a tensor (or null) onto the learner's device. The caller owns it.</summary>
    public Tensor? ReadTensor()
    {
        if (!In.ReadBoolean())
        {
            return null;
        }

        List<TensorRecord> stored = TensorCodec.Read(In);
        if (stored.Count != 1)
        {
            throw new InvalidDataException($"{owner}.{member}: expected one stored tensor, found {stored.Count}");
        }

        using Tensor cpu = stored[0].ToTensor();
        // Outlives any dispose scope that happens to be open: it becomes the callback's field.
        return cpu.to(device).DetachFromDisposeScope();
    }

    private BinaryReader In => input ?? throw new InvalidOperationException("Open a member with BeginMember before reading values.");

    private string Stored() => records.Count == 0 ? "nothing" : string.Join(", ", records.Keys.OrderBy(k => k, StringComparer.Ordinal).Select(k => "'" + k + "'"));
}
