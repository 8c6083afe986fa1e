using System.Diagnostics;
using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Samples.FashionMnist;
using CallbackGen.Tests;
using static TorchSharp.torch;

namespace CallbackGen.Samples.Tests;

/// <summary>The sample's after-fit options and its <c>predict</c> mode.</summary>
public class PredictModeTests
{
    [Fact]
    public void The_training_options_parse_without_a_subcommand_and_wrong_combinations_are_usage_errors()
    {
        var augmentMlp = RunCli("--model", "mlp", "--augment", "--epochs", "1");
        Assert.Equal(ExitCodes.Usage, augmentMlp.Code);
        Assert.Contains("--augment works on images", augmentMlp.Error);
        Assert.DoesNotContain("Required command", augmentMlp.Error);

        var badAlpha = RunCli("--mixup", "-1");
        Assert.Equal(ExitCodes.Usage, badAlpha.Code);
        Assert.Contains("--mixup", badAlpha.Error);

        var missing = RunCli("predict", "--export", "no-such.export", "--images", "no-such-images");
        Assert.Equal(ExitCodes.Usage, missing.Code);
        Assert.Contains("'no-such.export' does not exist", missing.Error);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void An_export_classifies_in_a_new_process_exactly_as_the_learner_did()
    {
        using var dir = new TempDirectory();
        using MnistData all = MnistFolder.Load(EmbeddedData.Folder);
        using MnistData data = all.Take(512, 64);
        using DataBunch bunch = data.ToDataBunch(64);
        manual_seed(5);
        using var model = Models.Create(ModelKind.Mlp);
        var toInput = BatchTransform.Of(ExportedTransform.ForNormalize(tensor(0.29f), tensor(0.35f)), ExportedTransform.ForReshape(Models.InputShape(ModelKind.Mlp)));
        using var learn = new Learner(model, bunch, Losses.CrossEntropy, Optimizer.AdamW(), lr: 3e-3, cbs: [toInput]);
        learn.Fit(1);
        string export = learn.Export(dir["model.export"], modelName: "mlp", modelVersion: "7", classNames: FashionMnistData.ClassNames);

        string images = MnistFolder.FindFile(EmbeddedData.Folder, MnistFolder.TestImagesFile)!;
        string labels = MnistFolder.FindFile(EmbeddedData.Folder, MnistFolder.TestLabelsFile)!;
        var (code, output, error) = RunProcess("predict", "--export", export, "--images", images, "--labels", labels, "--count", "40");

        Assert.True(code == 0, output + error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("model mlp v7 from ", lines[0]);
        string[][] rows = lines.Skip(1).Take(40).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(40, rows.Length);

        using Tensor raw = data.TestImages[..40];
        using Tensor probs = learn.Predict(raw).softmax(1);
        using Tensor best = probs.argmax(1);
        long[] classes = best.data<long>().ToArray();
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), rows[i][0]);
            Assert.Equal(classes[i].ToString(CultureInfo.InvariantCulture), rows[i][1]);
            Assert.Equal(FashionMnistData.ClassNames[(int)classes[i]], rows[i][2]);
            Assert.Equal(probs[i, classes[i]].item<float>(), double.Parse(rows[i][3], CultureInfo.InvariantCulture), 6);
        }

        Assert.StartsWith("accuracy ", lines[^1]);
    }

    private static (int Code, string Output, string Error) RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FashionMnistCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the sample's own build (copied beside the tests) in a new process: no learner, no training data.</summary>
    private static (int Code, string Output, string Error) RunProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FashionMnist.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
