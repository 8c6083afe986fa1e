using System.Buffers.Binary;
using System.Text;

namespace CallbackGen.Package.Tests.Native;

/// <summary>
/// Builds a minimal 64-bit little-endian ELF image: a header, a string table, a version-need
/// section and their section headers. Enough for the patcher, small enough to reason about.
/// </summary>
internal static class ElfFixture
{
    public sealed record Need(string File, params (string Version, ushort Flags)[] Versions);

    public static byte[] Build(params Need[] needs)
    {
        var strtab = new List<byte> { 0 };
        int Add(string s)
        {
            int at = strtab.Count;
            strtab.AddRange(Encoding.ASCII.GetBytes(s));
            strtab.Add(0);
            return at;
        }

        var verneed = new List<byte>();
        for (int i = 0; i < needs.Length; i++)
        {
            Need need = needs[i];
            int size = 16 + (16 * need.Versions.Length);
            verneed.AddRange(U16(1));
            verneed.AddRange(U16((ushort)need.Versions.Length));
            verneed.AddRange(U32((uint)Add(need.File)));
            verneed.AddRange(U32(16));
            verneed.AddRange(U32(i == needs.Length - 1 ? 0u : (uint)size));
            for (int v = 0; v < need.Versions.Length; v++)
            {
                verneed.AddRange(U32(0x0ABCDEF0));
                verneed.AddRange(U16(need.Versions[v].Flags));
                verneed.AddRange(U16((ushort)(100 + v)));
                verneed.AddRange(U32((uint)Add(need.Versions[v].Version)));
                verneed.AddRange(U32(v == need.Versions.Length - 1 ? 0u : 16u));
            }
        }

        int strOffset = 64;
        int verOffset = Align(strOffset + strtab.Count, 8);
        int shOffset = Align(verOffset + verneed.Count, 8);
        byte[] elf = new byte[shOffset + (3 * 64)];

        // ELF header.
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F';
        elf[4] = 2; elf[5] = 1; elf[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x10), 3);   // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x12), 62);  // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(0x14), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)shOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x34), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x3C), 3);

        strtab.CopyTo(elf, strOffset);
        verneed.CopyTo(elf, verOffset);

        // [0] null, [1] .dynstr, [2] .gnu.version_r linked to [1].
        Section(elf, shOffset + 64, type: 3, offset: strOffset, size: strtab.Count, link: 0, info: 0);
        Section(elf, shOffset + 128, type: 0x6ffffffe, offset: verOffset, size: verneed.Count, link: 1, info: (uint)needs.Length);
        return elf;
    }

    /// <summary>The version-need part of Debian-12-incompatible libLibTorchSharp.so, in miniature.</summary>
    public static byte[] TorchSharpLike(ushort flags = 0) => Build(
        new Need("libc.so.6", ("GLIBC_2.2.5", 0)),
        new Need("libstdc++.so.6", ("GLIBCXX_3.4.30", 0), ("GLIBCXX_3.4.32", flags), ("CXXABI_1.3", 0)));

    public static int VersionNeedSectionHeaderOffset(byte[] elf) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28)) + 128;

    private static void Section(byte[] elf, int at, uint type, int offset, int size, uint link, uint info)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 4), type);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x18), (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(at + 0x20), (ulong)size);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 0x28), link);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(at + 0x2C), info);
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static byte[] U16(ushort v) => BitConverter.GetBytes(v);

    private static byte[] U32(uint v) => BitConverter.GetBytes(v);
}
