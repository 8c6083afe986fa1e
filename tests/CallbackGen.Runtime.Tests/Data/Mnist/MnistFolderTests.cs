using CallbackGen.Data;
using CallbackGen.Runtime.Tests.Data.Idx;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Mnist;

public class MnistFolderTests
{
    private static void WriteFolder(string dir, int train = 6, int test = 3, int trainLabels = 6)
    {
        // Raw and gzip mixed: each file may be either.
        IdxFiles.WriteTemp(dir, MnistFolder.TrainImagesFile + ".gz", IdxFiles.Gzip(IdxFiles.Images(train, 4, 4, seed: 1)));
        IdxFiles.WriteTemp(dir, MnistFolder.TrainLabelsFile, IdxFiles.Labels(Enumerable.Range(0, trainLabels).Select(i => (byte)(i % 10)).ToArray()));
        IdxFiles.WriteTemp(dir, MnistFolder.TestImagesFile, IdxFiles.Images(test, 4, 4, seed: 2));
        IdxFiles.WriteTemp(dir, MnistFolder.TestLabelsFile + ".gz", IdxFiles.Gzip(IdxFiles.Labels(Enumerable.Range(0, test).Select(i => (byte)i).ToArray())));
    }

    [Fact]
    public void A_folder_with_the_four_standard_files_loads()
    {
        using var dir = new TempDirectory();
        WriteFolder(dir.Path);

        using MnistData data = MnistFolder.Load(dir.Path);

        Assert.Equal(new long[] { 6, 4, 4 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 3, 4, 4 }, data.TestImages.shape);
        Assert.Equal(new long[] { 0, 1, 2 }, data.TestLabels.data<long>().ToArray());
        Assert.Equal(6, data.TrainCount);
        Assert.True(MnistFolder.Contains(dir.Path));
    }

    [Fact]
    public void A_missing_file_is_named_in_the_error()
    {
        using var dir = new TempDirectory();
        WriteFolder(dir.Path);
        File.Delete(Path.Combine(dir.Path, MnistFolder.TestImagesFile));

        var ex = Assert.Throws<FileNotFoundException>(() => MnistFolder.Load(dir.Path));

        Assert.Contains(dir.Path, ex.Message);
        Assert.Contains("lacks t10k-images-idx3-ubyte", ex.Message);
        Assert.DoesNotContain("lacks train", ex.Message);
        Assert.False(MnistFolder.Contains(dir.Path));
    }

    [Fact]
    public void A_missing_folder_is_reported()
    {
        string path = Path.Combine(Path.GetTempPath(), "callbackgen-no-such-folder");

        var ex = Assert.Throws<DirectoryNotFoundException>(() => MnistFolder.Load(path));

        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Images_and_labels_that_disagree_in_count_are_rejected()
    {
        using var dir = new TempDirectory();
        WriteFolder(dir.Path, trainLabels: 5);

        var ex = Assert.Throws<InvalidDataException>(() => MnistFolder.Load(dir.Path));

        Assert.Contains("holds 6 images", ex.Message);
        Assert.Contains("holds 5 labels", ex.Message);
    }

    [Fact]
    public void A_subset_and_a_data_bunch_come_from_loaded_data()
    {
        using var dir = new TempDirectory();
        WriteFolder(dir.Path);
        using MnistData data = MnistFolder.Load(dir.Path);
        using var gen = new Generator(1);

        using MnistData head = data.Take(4, 2);
        using DataBunch bunch = head.ToDataBunch(batchSize: 3, generator: gen);

        Assert.Equal(4, bunch.Train.Length);
        Assert.Equal(2, bunch.Train.Count);
        Assert.Equal(2, bunch.Valid.Length);
        Assert.True(head.TrainImages.equal(data.TrainImages[..4]).all().item<bool>());
    }
}
