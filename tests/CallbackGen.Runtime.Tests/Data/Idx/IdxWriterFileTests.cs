using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Idx;

public class IdxWriterFileTests
{
    [Fact]
    public void Writing_over_an_existing_file_replaces_it_whole_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string path = Path.Combine(dir.Path, "labels.idx");
        IdxWriter.Write(path, arange(10, dtype: ScalarType.Byte));
        byte[] old = File.ReadAllBytes(path);
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        IdxWriter.Write(path, arange(3, dtype: ScalarType.Byte));

        // Replaced by a rename, not rewritten in place: the old file, still open, is whole.
        using (var kept = new MemoryStream())
        {
            reader.CopyTo(kept);
            Assert.Equal(old, kept.ToArray());
        }

        Assert.Equal(3, IdxReader.Read(path).shape[0]);
        Assert.Equal(new[] { "labels.idx" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
