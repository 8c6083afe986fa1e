using CallbackGen.IO;

namespace CallbackGen.Runtime.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-atomic-").FullName;

    [Fact]
    public void A_write_creates_the_folder_and_replaces_the_file_whole()
    {
        string path = Path.Combine(dir, "sub", "f.bin");
        AtomicFile.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(Path.Combine(dir, "sub"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_write_that_throws_leaves_the_old_file_and_no_temporary_file()
    {
        string path = Path.Combine(dir, "f.txt");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100]);
            throw new InvalidOperationException("crash mid-write");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Temporary_files_of_processes_that_are_gone_are_removed_by_the_next_write_and_others_are_kept()
    {
        string path = Path.Combine(dir, "f.txt");
        string abandoned = Path.Combine(dir, ".f.txt.999999999-deadbeef.tmp");
        string mine = Path.Combine(dir, $".f.txt.{Environment.ProcessId}-cafebabe.tmp");
        File.WriteAllText(abandoned, "partial");
        File.WriteAllText(mine, "being written");

        AtomicFile.WriteAllText(path, "x");

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(mine));
    }

    [Fact]
    public void A_folder_can_be_flushed_to_the_disk()
    {
        // open(dir, O_RDONLY) + fsync: throws IOException naming the folder when the platform call fails.
        AtomicFile.FlushDirectory(dir);
        Assert.Throws<IOException>(() => AtomicFile.FlushDirectory(Path.Combine(dir, "missing")));
    }

    [Fact]
    public void Lines_are_written_as_File_WriteAllLines_writes_them()
    {
        string path = Path.Combine(dir, "rows.csv");
        string expected = Path.Combine(dir, "expected.csv");
        string[] lines = { "epoch,loss", "0,0.5", "1,ünïcode" };

        AtomicFile.WriteAllLines(path, lines);
        File.WriteAllLines(expected, lines);

        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_reader_of_the_old_file_keeps_reading_it_whole_while_the_name_gets_the_new_one()
    {
        // The file is replaced by a rename, never rewritten in place: what a crash mid-write would leave
        // under the name is the old file, as an open handle sees it here.
        string path = Path.Combine(dir, "f.txt");
        AtomicFile.WriteAllText(path, "old contents");
        using var old = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        AtomicFile.WriteAllText(path, "new");

        Assert.Equal("old contents", new StreamReader(old).ReadToEnd());
        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public void A_target_that_is_a_folder_or_under_a_file_is_an_IOException_naming_the_path()
    {
        string folder = Path.Combine(dir, "folder");
        Directory.CreateDirectory(folder);
        string blocker = Path.Combine(dir, "blocker");
        File.WriteAllText(blocker, "a file where a folder is needed");
        string under = Path.Combine(blocker, "f.txt");

        var isFolder = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(folder, "x"));
        var underFile = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(under, "x"));

        Assert.StartsWith($"Cannot write '{folder}': it is a folder", isFolder.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Cannot write '{under}': its folder cannot be created", underFile.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(folder));
        Assert.Equal("a file where a folder is needed", File.ReadAllText(blocker));
        Assert.Equal(new[] { "blocker", "folder" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
