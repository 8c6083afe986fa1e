using System.Text;

namespace CallbackGen.IO;

/// <summary>What a <see cref="BinaryWriter"/> writes, as bytes: the one way checkpoint sections, snapshots and exports are encoded in memory.</summary>
internal static class BinaryBytes
{
    /// <summary>Runs <paramref name="write"/> on a UTF-8 writer over a memory buffer and returns the bytes written.</summary>
    public static byte[] Of(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }
}
