using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;
using SkiaSharp;
using Xunit.Abstractions;

namespace CallbackGen.Samples.Tests;

public sealed class ImageFolderJobTests(ITestOutputHelper log)
{
    // The whole embedded subset: with fewer images, one shuffled order against another moves the accuracy by more than a point.
    private const int TrainCount = FashionMnistData.EmbeddedTrainCount;
    private const int ValidCount = FashionMnistData.EmbeddedTestCount;

    [Fact]
    [Trait("Category", "Slow")]
    public void The_embedded_subset_written_as_png_folders_trains_to_the_accuracy_of_the_idx_files_with_the_same_classes_and_counts()
    {
        using var dir = new TempDirectory();
        string images = dir["png"];
        var (code, output, error) = RunCli("--data", EmbeddedData.Folder, "--write-images", images);
        Assert.True(code == ExitCodes.Success, output + error);

        var folders = ImageFolderData.FromFolder(images, new ImageOptions { Mode = ImageMode.Grayscale });
        using (MnistData idx = MnistFolder.Load(EmbeddedData.Folder))
        {
            Assert.Equal(ImageFolderWriter.ClassFolderNames(FashionMnistData.ClassNames), folders.ClassNames);
            Assert.Equal(Counts(idx.TrainLabels, TrainCount), folders.Train.ClassCounts());
            Assert.Equal(Counts(idx.TestLabels, ValidCount), folders.Valid.ClassCounts());
        }

        var common = new JobOptions { Model = ModelKind.Mlp, Epochs = 2, Lr = 0.003, Seed = 42, MinAccuracy = 0 };
        JobResult fromIdx = FashionMnistJob.Train(common with { Data = EmbeddedData.Folder, Out = dir["idx-run"] }, TextWriter.Null);
        JobResult fromPng = FashionMnistJob.Train(common with { Images = images, Out = dir["png-run"] }, TextWriter.Null);

        log.WriteLine($"accuracy: IDX files {fromIdx.Accuracy:P2} in {fromIdx.Elapsed.TotalSeconds:F0} s, PNG folders {fromPng.Accuracy:P2} in {fromPng.Elapsed.TotalSeconds:F0} s");
        Assert.True(fromIdx.Accuracy > 0.8, $"IDX accuracy {fromIdx.Accuracy}");
        Assert.True(Math.Abs(fromIdx.Accuracy - fromPng.Accuracy) <= 0.01, $"IDX {fromIdx.Accuracy:P2}, PNG folders {fromPng.Accuracy:P2}");
    }

    [Fact]
    public void A_corrupt_image_stops_the_job_with_one_line_naming_the_file()
    {
        using var dir = new TempDirectory();
        foreach (string cls in new[] { "a", "b" })
        {
            using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
            using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            Directory.CreateDirectory(dir[cls]);
            File.WriteAllBytes(Path.Combine(dir[cls], "ok.png"), png.ToArray());
        }

        string corrupt = Path.Combine(dir["b"], "corrupt.png");
        File.WriteAllBytes(corrupt, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6, 7, 8]);

        var (code, output, error) = RunCli("--images", dir.Path, "--epochs", "1", "--lr", "0.01", "--out", dir["run"]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith($"error: The image '{corrupt}' cannot be decoded: ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void An_image_that_breaks_during_the_fit_stops_the_job_with_one_line_naming_the_file_and_its_sample()
    {
        // Its header is intact, so the dataset accepts it; its pixels are cut short, so reading it in validation (on a
        // loader thread) fails: the job reports it like any bad input, not as a crash with a stack trace.
        using var dir = new TempDirectory();
        var noise = new Random(3);
        byte[] Png()
        {
            using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
            noise.NextBytes(bitmap.GetPixelSpan());
            using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }

        foreach (string part in new[] { "train", "valid" })
        {
            foreach (string cls in new[] { "a", "b" })
            {
                Directory.CreateDirectory(dir[Path.Combine(part, cls)]);
                for (int i = 0; i < 4; i++)
                {
                    File.WriteAllBytes(Path.Combine(dir[Path.Combine(part, cls)], $"{i}.png"), Png());
                }
            }
        }

        string cut = Path.Combine(dir[Path.Combine("valid", "b")], "2.png");
        byte[] whole = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);

        var (code, output, error) = RunCli("--images", dir.Path, "--epochs", "1", "--lr", "0.01", "--bs", "2", "--workers", "2", "--out", dir["run"]);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains($"The image '{cut}' cannot be decoded: its image data is truncated or corrupt", error, StringComparison.Ordinal);
        Assert.Contains("validation phase", error, StringComparison.Ordinal);
        Assert.Contains("Sample 6 ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Write_images_without_data_writes_the_embedded_subset_even_where_the_full_set_is_installed()
    {
        using var dir = new TempDirectory();
        string images = Path.Combine(dir.Path, "png");

        var (code, output, error) = RunCli("--write-images", images, "--train-count", "20", "--valid-count", "10");

        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("embedded Fashion-MNIST subset", output, StringComparison.Ordinal);
        Assert.Equal(30, Directory.EnumerateFiles(images, "*.png", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void Write_images_refuses_an_existing_folder()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = RunCli("--write-images", dir.Path);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
    }

    private static int[] Counts(TorchSharp.torch.Tensor labels, int first)
    {
        int[] counts = new int[FashionMnistData.ClassNames.Count];
        foreach (long label in labels[..first].data<long>())
        {
            counts[label]++;
        }

        return counts;
    }

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FashionMnistCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
