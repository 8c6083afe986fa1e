using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Samples.FashionMnist;
using CallbackGen.Samples.OnnxServe;
using CallbackGen.Tests;
using static TorchSharp.torch;

namespace CallbackGen.Samples.Tests;

/// <summary>The sample's model.onnx: the job's agreement line, predict mode through ONNX Runtime, and the serve sample.</summary>
public partial class OnnxSampleTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void The_job_writes_model_onnx_and_prints_that_ONNX_Runtime_agrees_on_the_validation_set()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();
        var error = new StringWriter();
        int code = FashionMnistCli.Run(["--data", EmbeddedData.Folder, "--model", "cnn", "--epochs", "1", "--lr", "0.01",
            "--train-count", "512", "--valid-count", "256", "--out", dir.Path, "--min-accuracy", "0.3"], output, error);

        Assert.True(code == ExitCodes.Success, output.ToString() + error);
        Match agree = AgreementLine().Match(output.ToString());
        Assert.True(agree.Success, output.ToString());
        Assert.InRange(double.Parse(agree.Groups["diff"].Value, CultureInfo.InvariantCulture), 0, OnnxAgreement.Tolerance);
        // The accuracy through ONNX Runtime is the trained model's.
        Assert.Contains("final accuracy " + agree.Groups["accuracy"].Value, output.ToString(), StringComparison.Ordinal);
        Assert.True(new FileInfo(dir[OnnxAgreement.OnnxFile]).Length > 64 * 64 * 9 * 4, "model.onnx should hold the weights");
        Assert.True(File.Exists(dir[FashionMnistJob.ExportFile]));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Predict_with_model_onnx_classifies_as_model_export_does_and_the_serve_sample_agrees()
    {
        using var dir = new TempDirectory();
        string onnx = TrainMlp(dir, out string export);
        string images = MnistFolder.FindFile(EmbeddedData.Folder, MnistFolder.TestImagesFile)!;
        string labels = MnistFolder.FindFile(EmbeddedData.Folder, MnistFolder.TestLabelsFile)!;

        var torchRun = RunProcess("predict", "--export", export, "--images", images, "--labels", labels, "--count", "50");
        var onnxRun = RunProcess("predict", "--export", onnx, "--images", images, "--labels", labels, "--count", "50");
        var serveOutput = new StringWriter();
        var serveError = new StringWriter();
        int serveCode = ServeCli.Run([onnx, images, labels, "--count", "50"], serveOutput, serveError);

        Assert.True(torchRun.Code == 0, torchRun.Output + torchRun.Error);
        Assert.True(onnxRun.Code == 0, onnxRun.Output + onnxRun.Error);
        Assert.True(serveCode == 0, serveOutput.ToString() + serveError);
        Assert.Contains("(ONNX Runtime)", Lines(onnxRun.Output)[0], StringComparison.Ordinal);
        Assert.StartsWith("model mlp v7 from ", Lines(serveOutput.ToString())[0], StringComparison.Ordinal);
        string[][] expected = Rows(torchRun.Output);
        foreach (string[][] actual in new[] { Rows(onnxRun.Output), Rows(serveOutput.ToString()) })
        {
            Assert.Equal(50, actual.Length);
            for (int i = 0; i < 50; i++)
            {
                Assert.Equal(expected[i][..3], actual[i][..3]);
                Assert.InRange(Math.Abs(double.Parse(expected[i][3], CultureInfo.InvariantCulture) - double.Parse(actual[i][3], CultureInfo.InvariantCulture)), 0, 1e-5);
            }
        }

        Assert.Equal(Lines(torchRun.Output)[^1], Lines(onnxRun.Output)[^1]);
        Assert.StartsWith(Lines(torchRun.Output)[^1], Lines(serveOutput.ToString())[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_serve_sample_depends_on_ONNX_Runtime_alone()
    {
        // What a deployment copies: OnnxServe's dependency file names no CallbackGen and no TorchSharp.
        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "OnnxServe.deps.json"));
        Assert.Contains("Microsoft.ML.OnnxRuntime/1.32.0", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("TorchSharp", deps, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("CallbackGen", deps, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_serve_sample_reports_a_bad_model_or_image_file_in_one_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir["bad.onnx"], "not a model");
        var error = new StringWriter();
        Assert.Equal(1, ServeCli.Run([dir["bad.onnx"], dir["bad.onnx"]], new StringWriter(), error));
        Assert.StartsWith("error: ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, ServeCli.Run(["only-one-argument"], new StringWriter(), new StringWriter()));
    }

    private static string TrainMlp(TempDirectory dir, out string export)
    {
        using MnistData all = MnistFolder.Load(EmbeddedData.Folder);
        using MnistData data = all.Take(512, 64);
        using DataBunch bunch = data.ToDataBunch(64);
        manual_seed(5);
        using var model = Models.Create(ModelKind.Mlp);
        var toInput = BatchTransform.Of(ExportedTransform.ForNormalize(tensor(0.29f), tensor(0.35f)), ExportedTransform.ForReshape(Models.InputShape(ModelKind.Mlp)));
        using var learn = new Learner(model, bunch, Losses.CrossEntropy, Optimizer.AdamW(), lr: 3e-3, cbs: [toInput]);
        learn.Fit(1);
        export = learn.Export(dir["model.export"], modelName: "mlp", modelVersion: "7", classNames: FashionMnistData.ClassNames);
        return learn.ExportOnnx(dir["model.onnx"], modelName: "mlp", modelVersion: "7", classNames: FashionMnistData.ClassNames);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private static string[][] Rows(string text) => Lines(text).Skip(1).Where(l => l.Contains('\t', StringComparison.Ordinal)).Select(l => l.Split('\t')).ToArray();

    /// <summary>Runs the sample's own build in a new process: no learner, no training data.</summary>
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

    [GeneratedRegex(@"ONNX Runtime agrees on [\d,]+ validation images: max \|Δ\| of the logits (?<diff>[0-9.E+-]+), accuracy through ONNX Runtime (?<accuracy>[0-9.]+ %)")]
    private static partial Regex AgreementLine();
}
