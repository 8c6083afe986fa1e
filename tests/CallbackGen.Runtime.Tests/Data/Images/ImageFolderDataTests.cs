using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Images;

public class ImageFolderDataTests
{
    private static readonly ImageOptions Grey = new() { Mode = ImageMode.Grayscale };

    private static void Folder(string root, string cls, int count, byte value)
    {
        for (int i = 0; i < count; i++)
        {
            TestImages.Png(Path.Combine(root, cls, $"{i}.png"), 2, 2, (r, c) => (byte)(value + r + c + i));
        }
    }

    [Fact]
    public void The_train_and_valid_folders_are_used_when_present_with_the_training_classes()
    {
        using var dir = new TempDirectory();
        Folder(Path.Combine(dir.Path, "train"), "cat", 3, 10);
        Folder(Path.Combine(dir.Path, "train"), "dog", 2, 20);
        Folder(Path.Combine(dir.Path, "valid"), "dog", 1, 30);

        var data = ImageFolderData.FromFolder(dir.Path, Grey);

        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal(5, data.Train.Count);
        Assert.Equal(1, data.Valid.Count);
        Assert.Equal(1L, data.Valid.LabelOf(0)); // dog is class 1 in both parts
    }

    [Fact]
    public void A_validation_class_the_training_set_lacks_is_an_error_naming_it()
    {
        using var dir = new TempDirectory();
        Folder(Path.Combine(dir.Path, "train"), "cat", 1, 10);
        Folder(Path.Combine(dir.Path, "valid"), "cow", 1, 10);

        var error = Assert.Throws<InvalidDataException>(() => ImageFolderData.FromFolder(dir.Path, Grey));
        Assert.Contains("cow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_convention_a_seeded_random_split_is_used()
    {
        using var dir = new TempDirectory();
        Folder(dir.Path, "a", 6, 0);
        Folder(dir.Path, "b", 4, 50);

        var one = ImageFolderData.FromFolder(dir.Path, Grey, validPct: 0.3, seed: 1);
        var again = ImageFolderData.FromFolder(dir.Path, Grey, validPct: 0.3, seed: 1);

        Assert.Equal(7, one.Train.Count);
        Assert.Equal(3, one.Valid.Count);
        string[] Files(ImageFolderDataset d) => Enumerable.Range(0, (int)d.Count).Select(i => d.PathOf(i)).ToArray();
        Assert.Equal(Files(one.Valid), Files(again.Valid));
        Assert.Empty(Files(one.Train).Intersect(Files(one.Valid)));
    }

    [Fact]
    public void Random_splits_are_seeded_disjoint_and_complete()
    {
        (long[] train, long[] valid) = DatasetSplit.Random(100, 0.2, seed: 7);
        (long[] train2, long[] valid2) = DatasetSplit.Random(100, 0.2, seed: 8);

        Assert.Equal(20, valid.Length);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), train.Concat(valid).Order());
        Assert.Equal(valid, DatasetSplit.Random(100, 0.2, seed: 7).Valid);
        Assert.NotEqual(valid, valid2);
        Assert.Equal(80, train2.Length);
    }

    [Fact]
    public void Statistics_come_from_the_training_part_and_normalise_it_to_zero_mean_and_unit_std()
    {
        using var dir = new TempDirectory();
        Folder(Path.Combine(dir.Path, "train"), "a", 4, 10);
        Folder(Path.Combine(dir.Path, "train"), "b", 4, 90);
        Folder(Path.Combine(dir.Path, "valid"), "a", 2, 250);
        var data = ImageFolderData.FromFolder(dir.Path, Grey);

        ChannelStats stats = data.Stats();

        using var scope = NewDisposeScope();
        Tensor all = stack(Enumerable.Range(0, 8).Select(i => data.Train[i].X).ToArray());
        Assert.Equal(all.mean().item<float>(), stats.Mean[0], 5);
        Assert.Equal(all.std().item<float>(), stats.Std[0], 5);
        Tensor normalised = data.Normalize().Apply(all);
        Assert.Equal(0f, normalised.mean().item<float>(), 4);
        Assert.Equal(1f, normalised.std().item<float>(), 4);
    }

    [Fact]
    public void Normalize_works_per_channel_and_refuses_a_batch_with_other_channels()
    {
        var normalize = new Normalize(new ChannelStats([1f, 2f, 3f], [1f, 2f, 4f]));
        using var scope = NewDisposeScope();
        Tensor x = full(new long[] { 2, 3, 2, 2 }, 3f);

        float[] y = normalize.Apply(x).mean([0, 2, 3]).data<float>().ToArray();

        Assert.Equal(new[] { 2f, 0.5f, 0f }, y);
        Assert.Equal([1f, 2f, 3f], normalize.Mean);
        var error = Assert.Throws<ArgumentException>(() => normalize.Apply(zeros(2, 1, 2, 2)));
        Assert.Contains("3 channels", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ChannelStats([0f], [0f]));
    }

    [Fact]
    public void Written_folders_read_back_with_the_same_pixels_labels_and_class_order()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        Tensor images = randint(0, 256, [12, 5, 4], dtype: ScalarType.Byte);
        Tensor labels = tensor(new long[] { 0, 1, 2, 10, 1, 0, 2, 10, 3, 4, 5, 6 });
        string[] names = ImageFolderWriter.ClassFolderNames(["T-shirt/top", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]);
        Assert.Equal("00-T-shirt-top", names[0]);

        string root = Path.Combine(dir.Path, "out");
        Assert.Equal(12, ImageFolderWriter.Write(root, images, labels, names));
        Assert.Throws<IOException>(() => ImageFolderWriter.Write(root, images, labels, names));

        var ds = new ImageFolderDataset(root, Grey);
        Assert.Equal(names, ds.ClassNames);
        for (int i = 0; i < ds.Count; i++)
        {
            int source = int.Parse(Path.GetFileNameWithoutExtension(ds.PathOf(i)), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(labels[source].item<long>(), ds.LabelOf(i));
            Assert.Equal(images[source].to_type(ScalarType.Float32).div(255).data<float>().ToArray(), ds[i].X.data<float>().ToArray());
        }
    }
}
