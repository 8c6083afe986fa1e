using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Mnist;

public partial class EmbeddedFashionMnistTests
{
    // The subset's label distribution as stated in Samples/Data/fashion-mnist-subset/README.md.
    private static readonly long[] TrainLabelCounts = [1122, 1220, 1201, 1212, 1181, 1204, 1244, 1192, 1195, 1229];
    private static readonly long[] TestLabelCounts = [200, 203, 214, 190, 219, 195, 197, 200, 194, 188];

    private static string SubsetFolder() =>
        FashionMnistData.FindEmbeddedSubset()
        ?? throw new InvalidOperationException($"The embedded subset was not found above {AppContext.BaseDirectory}.");

    [Fact]
    public void The_embedded_subset_is_found_from_the_test_binaries()
    {
        string folder = SubsetFolder();

        Assert.EndsWith(Path.Combine("Samples", "Data", "fashion-mnist-subset"), folder);
        Assert.True(File.Exists(Path.Combine(folder, "LICENSE")), "the MIT licence must sit beside the data");
        Assert.All(MnistFolder.FileNames, name => Assert.True(File.Exists(Path.Combine(folder, name + ".gz")), name + ".gz"));
    }

    [Fact]
    public void The_embedded_subset_loads_with_the_stated_counts_and_label_distribution()
    {
        using MnistData data = MnistFolder.Load(SubsetFolder());
        using var scope = NewDisposeScope();

        Assert.Equal(new long[] { FashionMnistData.EmbeddedTrainCount, 28, 28 }, data.TrainImages.shape);
        Assert.Equal(new long[] { FashionMnistData.EmbeddedTestCount, 28, 28 }, data.TestImages.shape);
        Assert.Equal(ScalarType.Float32, data.TrainImages.dtype);
        Assert.Equal(ScalarType.Int64, data.TrainLabels.dtype);
        Assert.Equal(TrainLabelCounts, bincount(data.TrainLabels, minlength: 10).data<long>().ToArray());
        Assert.Equal(TestLabelCounts, bincount(data.TestLabels, minlength: 10).data<long>().ToArray());
        Assert.Equal(0f, data.TrainImages.min().item<float>());
        Assert.Equal(1f, data.TrainImages.max().item<float>());
    }

    [Fact]
    public void The_readme_states_each_file_sha256_and_the_label_distribution()
    {
        string folder = SubsetFolder();
        string readme = File.ReadAllText(Path.Combine(folder, "README.md"));

        foreach (string name in MnistFolder.FileNames)
        {
            string file = name + ".gz";
            string hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, file))));
            Match row = Regex.Match(readme, $@"^\| `{Regex.Escape(file)}` \| [\d,]+ \|.*`(?<sha>[0-9a-f]{{64}})` \|$", RegexOptions.Multiline);
            Assert.True(row.Success, $"README has no row for {file}");
            Assert.Equal(hash, row.Groups["sha"].Value);
        }

        for (int label = 0; label < 10; label++)
        {
            Assert.Contains($"| {label} | {FashionMnistData.ClassNames[label]} | {TrainLabelCounts[label].ToString("N0", CultureInfo.InvariantCulture)} | {TestLabelCounts[label].ToString("N0", CultureInfo.InvariantCulture)} |", readme);
        }
    }
}
