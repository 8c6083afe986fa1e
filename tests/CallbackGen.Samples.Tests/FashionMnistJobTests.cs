using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;

namespace CallbackGen.Samples.Tests;

public sealed class FashionMnistJobTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void The_embedded_subset_is_copied_beside_the_program_so_a_fresh_clone_needs_no_download()
    {
        Assert.True(MnistFolder.Contains(EmbeddedData.Folder), $"no MNIST files in {EmbeddedData.Folder}");
        Assert.True(File.Exists(Path.Combine(EmbeddedData.Folder, "LICENSE")));
        Assert.Equal(EmbeddedData.Folder, FashionMnistData.FindEmbeddedSubset());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void One_epoch_with_the_lr_finder_writes_the_plots_the_metrics_and_a_checkpoint()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = RunCli("--data", EmbeddedData.Folder, "--model", "mlp", "--epochs", "1", "--bs", "64",
            "--train-count", "640", "--valid-count", "300", "--out", dir.Path, "--min-accuracy", "0.5");

        Assert.True(code == ExitCodes.Success, output + error);
        Assert.Equal("", error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: embedded Fashion-MNIST subset (12,000 train / 2,000 test) from " + Path.GetFullPath(EmbeddedData.Folder), lines[0].TrimEnd());
        Assert.Contains(lines, l => l.StartsWith("LR finder:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("final accuracy", StringComparison.Ordinal));

        foreach (string png in new[] { FashionMnistJob.LossPlotFile, FashionMnistJob.LrPlotFile, FashionMnistJob.LrFindPlotFile })
        {
            Assert.Equal(PngSignature, File.ReadAllBytes(dir[png]).Take(8).ToArray());
        }

        Assert.True(new FileInfo(dir[FashionMnistJob.CheckpointFile]).Length > 784 * 256 * 4, "the checkpoint should hold the weights");
        string[] csv = File.ReadAllLines(dir[FashionMnistJob.MetricsFile]);
        Assert.Equal("epoch,train_loss,valid_loss,accuracy,time", csv[0]);
        Assert.Equal(2, csv.Length);
        string[] row = csv[1].Split(',');
        Assert.Equal("0", row[0]);
        double accuracy = double.Parse(row[3], CultureInfo.InvariantCulture);
        Assert.InRange(accuracy, 0.5, 1.0);
        Assert.Contains("final accuracy " + accuracy.ToString("P2", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Any_mnist_format_folder_is_accepted_and_named_on_the_first_line()
    {
        using var data = new TempDirectory();
        foreach (string file in Directory.GetFiles(EmbeddedData.Folder, "*.gz"))
        {
            File.Copy(file, data[Path.GetFileName(file)]);
        }

        using var dir = new TempDirectory();
        var (code, output, error) = RunCli("--data", data.Path, "--epochs", "1", "--lr", "0.001", "--train-count", "256", "--valid-count", "128", "--out", dir.Path, "--min-accuracy", "0");

        Assert.True(code == ExitCodes.Success, output + error);
        Assert.Equal("data: MNIST-format folder " + data.Path, output.Split('\n')[0].TrimEnd());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_given_learning_rate_skips_the_finder_and_the_cnn_trains()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = RunCli("--data", EmbeddedData.Folder, "--model", "cnn", "--epochs", "1", "--lr", "0.01",
            "--train-count", "512", "--valid-count", "256", "--out", dir.Path, "--min-accuracy", "0.4");

        Assert.True(code == ExitCodes.Success, output + error);
        Assert.Contains("learning rate 1e-2 (--lr)", output, StringComparison.Ordinal);
        Assert.False(File.Exists(dir[FashionMnistJob.LrFindPlotFile]));
        Assert.True(File.Exists(dir[FashionMnistJob.LossPlotFile]));
        Assert.Contains("\"Model\": \"cnn\"", File.ReadAllText(dir[RunInfo.FileName]), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Resuming_with_another_epoch_count_is_refused_with_one_line_and_loses_nothing()
    {
        using var dir = new TempDirectory();
        string[] common = ["--data", EmbeddedData.Folder, "--model", "mlp", "--bs", "64", "--train-count", "384", "--valid-count", "128", "--min-accuracy", "0"];
        var first = RunCli([.. common, "--epochs", "1", "--lr", "0.003", "--out", dir.Path]);
        Assert.True(first.Code == ExitCodes.Success, first.Output + first.Error);
        byte[] checkpoint = File.ReadAllBytes(dir[FashionMnistJob.CheckpointFile]);
        string[] csvBefore = File.ReadAllLines(dir[FashionMnistJob.MetricsFile]);

        // --epochs is the fit's total: a one-cycle fit of 1 epoch cannot be continued as a fit of 2
        // (every schedule position would change), so the resume is refused, in the command line's terms,
        // against the run.json of the run, before touching anything.
        var resumed = RunCli([.. common, "--epochs", "2", "--resume", dir[FashionMnistJob.CheckpointFile]]);
        Assert.Equal(ExitCodes.Usage, resumed.Code);
        string line = Assert.Single(resumed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --epochs 2: the run being resumed was started with --epochs 1", line, StringComparison.Ordinal);
        Assert.Equal(checkpoint, File.ReadAllBytes(dir[FashionMnistJob.CheckpointFile]));
        Assert.Equal(csvBefore, File.ReadAllLines(dir[FashionMnistJob.MetricsFile]));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void An_accuracy_below_the_floor_fails_with_exit_code_1_and_says_so()
    {
        using var dir = new TempDirectory();
        var error = new StringWriter();
        int code = FashionMnistJob.Run(
            new JobOptions { Data = EmbeddedData.Folder, Model = ModelKind.Mlp, Epochs = 1, Lr = 1e-3, TrainCount = 256, ValidCount = 128, Out = dir.Path, MinAccuracy = 0.999 },
            new StringWriter(),
            error);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("below the sanity floor", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Device_cuda_trains_on_the_gpu_or_without_one_fails_with_exit_code_1_and_a_one_line_reason()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = RunCli("--data", EmbeddedData.Folder, "--device", "cuda", "--epochs", "1", "--lr", "0.001",
            "--train-count", "256", "--valid-count", "128", "--out", dir.Path, "--min-accuracy", "0");

        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.True(code == ExitCodes.Success, output + error);
            Assert.Contains("device cuda", output, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("error: --device cuda: CUDA is not available", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadArguments() => new()
    {
        { ["--data", "/no/such/folder"], "does not exist" },
        { ["--data", AppContext.BaseDirectory], "is not in the MNIST format" },
        { ["--model", "resnet"], "resnet" },
        { ["--epochs", "0"], "--epochs must be at least 1" },
        { ["--epochs", "many"], "many" },
        { ["--bs", "0"], "--bs must be at least 1" },
        { ["--lr", "-1"], "--lr must be a positive number" },
        { ["--device", "tpu"], "tpu" },
        { ["--resume", "/no/such.ckpt"], "does not exist" },
        { ["--threads", "0"], "--threads must be at least 1" },
        { ["--frobnicate"], "--frobnicate" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void A_bad_argument_is_a_usage_error_with_exit_code_2_and_no_stack_trace(string[] args, string mention)
    {
        var (code, output, error) = RunCli(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(mention, error, StringComparison.Ordinal);
        Assert.Contains("usage: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_option_and_exits_0()
    {
        var (code, output, _) = RunCli("--help");

        Assert.Equal(0, code);
        foreach (string option in new[] { "--data", "--model", "--epochs", "--bs", "--lr", "--device", "--out", "--resume", "--seed", "--threads" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FashionMnistCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
