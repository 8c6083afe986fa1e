using CallbackGen.Samples.FashionMnist;
using Xunit.Abstractions;

namespace CallbackGen.Samples.Tests;

public sealed class TransferJobTests(ITestOutputHelper log)
{
    [Fact]
    public void An_unknown_architecture_is_a_usage_error()
    {
        var (code, _, error) = RunCli("--arch", "resnet99", "--images", "x");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--arch must be one of resnet18, resnet34, resnet50, resnet101, resnet152; got resnet99.", error);
    }

    [Fact]
    public void An_architecture_without_an_image_folder_or_with_a_missing_weights_file_is_a_one_line_error()
    {
        using var dir = new TempDirectory();
        var (noImages, _, noImagesError) = RunCli("--arch", "resnet18", "--out", dir["a"]);
        Assert.Equal(ExitCodes.Failure, noImages);
        Assert.Contains("give --images DIR", noImagesError);

        var (written, output, error) = RunCli("--data", EmbeddedData.Folder, "--write-images", dir["png"], "--train-count", "20", "--valid-count", "10");
        Assert.True(written == ExitCodes.Success, output + error);
        var (noWeights, _, noWeightsError) = RunCli("--images", dir["png"], "--arch", "resnet18", "--pretrained", dir["absent.pth"], "--out", dir["b"]);
        Assert.Equal(ExitCodes.Failure, noWeights);
        Assert.Contains($"The weights file '{dir["absent.pth"]}' does not exist.", noWeightsError);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void From_scratch_it_fine_tunes_on_an_image_folder_and_exports()
    {
        using var dir = new TempDirectory();
        var (written, output, error) = RunCli("--data", EmbeddedData.Folder, "--write-images", dir["png"], "--train-count", "40", "--valid-count", "20");
        Assert.True(written == ExitCodes.Success, output + error);

        var (code, runOutput, runError) = RunCli("--images", dir["png"], "--arch", "resnet18", "--epochs", "1", "--bs", "20", "--min-accuracy", "0", "--out", dir["run"]);

        log.WriteLine(runOutput);
        Assert.True(code == ExitCodes.Success, runOutput + runError);
        Assert.Contains("from scratch (ResNet18, random weights)", runOutput);
        Assert.Contains("fine-tune: 1 frozen epoch", runOutput);
        Assert.True(File.Exists(Path.Combine(dir["run"], FashionMnistJob.ExportFile)));
    }

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FashionMnistCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
