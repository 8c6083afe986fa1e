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

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
