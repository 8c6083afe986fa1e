using System.Text;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// The payload of one <c>callback/KEY</c> checkpoint section: the callback's member records.
/// </summary>
/// <remarks>
/// Layout (version 1): int32 version, int32 record count, then per record the member's name and type
/// signature (BinaryWriter strings), int64 payload length and the payload. Generated state writes one
/// record per [Checkpointed] member; a hand-written <see cref="ICheckpointable"/> is one more record,
/// <see cref="HandWrittenName"/>, holding what its <see cref="ICheckpointable.SaveState"/> wrote.
/// </remarks>
internal static class CallbackState
{
    /// <summary>The version of this layout; a different one is refused with a message naming both.</summary>
    public const int Version = 1;

    /// <summary>The record of an <see cref="ICheckpointable"/>'s own state (not a valid member name).</summary>
    public const string HandWrittenName = "(ICheckpointable)";

    private const int MaxRecords = 1 << 16;

    public static void Save(Callback cb, BinaryWriter w)
    {
        var writer = new StateWriter();
        cb.SaveStateTo(writer);
        var records = writer.Records.ToList();
        if (cb is ICheckpointable handWritten)
        {
            records.Add(new StateRecord(HandWrittenName, cb.GetType().Name, IO.BinaryBytes.Of(handWritten.SaveState)));
        }

        w.Write(Version);
        w.Write(records.Count);
        foreach (StateRecord r in records)
        {
            w.Write(r.Name);
            w.Write(r.Signature);
            w.Write((long)r.Payload.Length);
            w.Write(r.Payload);
        }
    }

    public static void Load(Callback cb, BinaryReader r, Device device)
    {
        string owner = cb.GetType().Name;
        int version = r.ReadInt32();
        if (version != Version)
        {
            throw new InvalidDataException($"{owner}'s state has format version {version}; this build reads version {Version}");
        }

        int count = r.ReadInt32();
        if (count < 0 || count > MaxRecords)
        {
            throw new InvalidDataException($"{owner}'s state claims {count} members");
        }

        var records = new List<StateRecord>(count);
        for (int i = 0; i < count; i++)
        {
            string name = BoundedText.Read(r, $"{owner}'s member name");
            string signature = BoundedText.Read(r, $"{owner}'s member type");
            long length = r.ReadInt64();
            if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            {
                throw new InvalidDataException($"{owner}'s member '{name}' claims {length} bytes but fewer remain");
            }

            records.Add(new StateRecord(name, signature, r.ReadBytes((int)length)));
        }

        StateRecord? own = records.FirstOrDefault(x => x.Name == HandWrittenName);
        if (own is not null && cb is not ICheckpointable)
        {
            // Checked before the members: a section written by hand (the built-ins before they moved to
            // [Checkpointed]) would otherwise be reported as its first missing member.
            throw new InvalidDataException(
                $"the checkpoint holds hand-written state of {owner}, which no longer implements ICheckpointable; it was written by an earlier version of {owner}");
        }

        var reader = new StateReader(owner, records.Where(x => x.Name != HandWrittenName), device);
        cb.LoadStateFrom(reader);
        StateRecord? unread = reader.Unread.FirstOrDefault();
        if (unread is not null)
        {
            throw new InvalidDataException(
                $"the checkpoint holds {owner}.{unread.Name} ({unread.Signature}), which {owner} no longer declares [Checkpointed]; it was written by another version of {owner}");
        }

        if (cb is ICheckpointable handWritten)
        {
            if (own is null)
            {
                throw new InvalidDataException($"{owner} implements ICheckpointable but the checkpoint holds no state written by it");
            }

            using var br = new BinaryReader(new MemoryStream(own.Payload, writable: false), Encoding.UTF8);
            handWritten.LoadState(br);
            if (br.BaseStream.Position != br.BaseStream.Length)
            {
                throw new InvalidDataException($"{owner}.LoadState left {br.BaseStream.Length - br.BaseStream.Position} bytes unread");
            }
        }

        cb.StateLoaded();
    }
}
