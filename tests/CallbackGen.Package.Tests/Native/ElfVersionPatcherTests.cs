using System.Buffers.Binary;
using System.Runtime.InteropServices;
using CallbackGen.Native;

namespace CallbackGen.Package.Tests.Native;

public class ElfVersionPatcherTests
{
    [Fact]
    public void Reads_every_version_need_with_its_file()
    {
        var needs = ElfVersionPatcher.ReadVersionNeeds(ElfFixture.TorchSharpLike());

        Assert.Equal(
            new[] { "libc.so.6:GLIBC_2.2.5", "libstdc++.so.6:GLIBCXX_3.4.30", "libstdc++.so.6:GLIBCXX_3.4.32", "libstdc++.so.6:CXXABI_1.3" },
            needs.Select(n => $"{n.File}:{n.Version}"));
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void Patching_sets_the_weak_flag_on_that_entry_only_and_changes_no_other_byte()
    {
        byte[] elf = ElfFixture.TorchSharpLike();
        byte[] before = (byte[])elf.Clone();

        Assert.Equal(ElfPatchResult.Patched, ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32"));

        var needs = ElfVersionPatcher.ReadVersionNeeds(elf);
        Assert.True(needs.Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.All(needs.Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.False(n.IsWeak));
        int[] changed = Enumerable.Range(0, elf.Length).Where(i => elf[i] != before[i]).ToArray();
        long flagsOffset = needs.Single(n => n.Version == "GLIBCXX_3.4.32").FlagsOffset;
        Assert.Equal(new[] { (int)flagsOffset }, changed);
        Assert.Equal(ElfVersionPatcher.VerFlagWeak, BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan((int)flagsOffset)));
    }

    [Fact]
    public void Patching_twice_is_idempotent()
    {
        byte[] elf = ElfFixture.TorchSharpLike();
        ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32");
        byte[] once = (byte[])elf.Clone();

        Assert.Equal(ElfPatchResult.AlreadyWeak, ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32"));
        Assert.Equal(once, elf);
    }

    [Fact]
    public void Other_flags_are_kept_when_patching()
    {
        byte[] elf = ElfFixture.TorchSharpLike(flags: 0x1);
        ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32");
        Assert.Equal(0x3, ElfVersionPatcher.ReadVersionNeeds(elf).Single(n => n.Version == "GLIBCXX_3.4.32").Flags);
    }

    [Fact]
    public void A_file_without_that_need_is_left_alone()
    {
        byte[] elf = ElfFixture.Build(new ElfFixture.Need("libc.so.6", ("GLIBC_2.2.5", 0)));
        byte[] before = (byte[])elf.Clone();
        Assert.Equal(ElfPatchResult.NotFound, ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32"));
        Assert.Equal(before, elf);
    }

    [Theory]
    [InlineData("copy")]
    [InlineData("hard link")]
    [InlineData("symbolic link")]
    public void Patching_a_file_writes_a_new_file_and_keeps_its_time_and_leaves_the_linked_cache_file_alone(string outputKind)
    {
        string dir = Directory.CreateTempSubdirectory("callbackgen-elf-").FullName;
        try
        {
            string cache = Path.Combine(dir, "cache.so");
            string output = Path.Combine(dir, "output.so");
            File.WriteAllBytes(cache, ElfFixture.TorchSharpLike());
            // The three ways MSBuild puts a package's file into an output folder.
            switch (outputKind)
            {
                case "copy":
                    File.Copy(cache, output);
                    break;
                case "hard link":
                    Assert.Equal(0, HardLink(cache, output));
                    break;
                default:
                    File.CreateSymbolicLink(output, cache);
                    break;
            }

            // MSBuild's incremental copy compares times: the output's own time must not move.
            if (outputKind != "symbolic link")
            {
                File.SetLastWriteTimeUtc(output, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
            }

            DateTime time = File.GetLastWriteTimeUtc(output);

            Assert.Equal(ElfPatchResult.Patched, ElfVersionPatcher.MakeVersionNeedWeak(output, "GLIBCXX_3.4.32"));

            Assert.True(ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(output)).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
            Assert.False(ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(cache)).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
            Assert.Equal(time, File.GetLastWriteTimeUtc(output));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int HardLink([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [Theory]
    [InlineData("empty")]
    [InlineData("magic")]
    [InlineData("class32")]
    [InlineData("bigEndian")]
    [InlineData("sectionTableOutside")]
    [InlineData("verneedOutside")]
    [InlineData("stringIndexOutside")]
    public void Malformed_files_give_InvalidDataException(string corruption)
    {
        byte[] elf = ElfFixture.TorchSharpLike();
        int sh = ElfFixture.VersionNeedSectionHeaderOffset(elf);
        switch (corruption)
        {
            case "empty": elf = Array.Empty<byte>(); break;
            case "magic": elf[1] = (byte)'X'; break;
            case "class32": elf[4] = 1; break;
            case "bigEndian": elf[5] = 2; break;
            case "sectionTableOutside": BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), (ulong)elf.Length); break;
            case "verneedOutside": BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(sh + 0x20), 1_000_000); break;
            case "stringIndexOutside":
                long vn = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(sh + 0x18));
                BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan((int)vn + 4), 1_000_000);
                break;
        }

        var ex = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MakeVersionNeedWeak(elf, "GLIBCXX_3.4.32"));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void A_library_defines_a_version_only_as_a_whole_string()
    {
        string dir = Directory.CreateTempSubdirectory("callbackgen-elf-").FullName;
        try
        {
            string lib = Path.Combine(dir, "libfake.so");
            File.WriteAllBytes(lib, "\0GLIBCXX_3.4.30\0GLIBCXX_3.4.3\0XGLIBCXX_3.4.32\0"u8.ToArray());
            Assert.True(ElfVersionPatcher.LibraryDefinesVersion(lib, "GLIBCXX_3.4.30"));
            Assert.True(ElfVersionPatcher.LibraryDefinesVersion(lib, "GLIBCXX_3.4.3"));
            Assert.False(ElfVersionPatcher.LibraryDefinesVersion(lib, "GLIBCXX_3.4.32"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
