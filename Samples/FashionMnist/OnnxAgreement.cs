using System.Globalization;
using CallbackGen.Data;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// The main job's ONNX step: writes <c>model.onnx</c> beside <c>model.export</c> and checks it in ONNX Runtime
/// against the trained model on the validation set, the raw batches both take (transforms in the graph).
/// </summary>
public static class OnnxAgreement
{
    /// <summary>The ONNX model's file name in the output folder.</summary>
    public const string OnnxFile = "model.onnx";

    /// <summary>The largest |Δ| of the logits that counts as agreement (float32 kernels differ in summation order).</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Writes the ONNX model, runs the validation set through it and prints one line; returns the file's path.</summary>
    /// <param name="learn">The trained learner (its model and input transforms are exported).</param>
    /// <param name="outDir">The run's folder.</param>
    /// <param name="modelName">The model's name for the metadata.</param>
    /// <param name="version">The model's version for the metadata.</param>
    /// <param name="classNames">The class names for the metadata.</param>
    /// <param name="output">Where the agreement line goes.</param>
    /// <exception cref="InvalidDataException">ONNX Runtime's logits differ from the trained model's by more than <see cref="Tolerance"/>.</exception>
    public static string Write(Learner learn, string outDir, string modelName, string version, IReadOnlyList<string> classNames, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(learn);
        ArgumentNullException.ThrowIfNull(output);
        string path = learn.ExportOnnx(Path.Combine(outDir, OnnxFile), modelName, version, classNames);
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        double maxDiff = 0;
        long correct = 0, count = 0;
        foreach (Batch batch in learn.Data.Valid)
        {
            using DisposeScope scope = NewDisposeScope();
            Tensor expected = learn.Predict(batch.X).to_type(ScalarType.Float32).cpu();
            Tensor raw = batch.X.to_type(ScalarType.Float32).cpu().contiguous();
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(raw.data<float>().ToArray(), raw.shape);
            using var run = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(run, ["input"], [input], ["logits"]);
            Tensor actual = tensor(results[0].GetTensorDataAsSpan<float>().ToArray()).reshape(expected.shape);
            maxDiff = Math.Max(maxDiff, (actual - expected).abs().max().item<float>());
            correct += actual.argmax(1).eq(batch.Y.cpu()).sum().item<long>();
            count += batch.Y.shape[0];
        }

        string line = string.Create(CultureInfo.InvariantCulture,
            $"ONNX Runtime {(maxDiff <= Tolerance ? "agrees" : "DISAGREES")} on {count:N0} validation images: max |Δ| of the logits {maxDiff:0.##E+0}, accuracy through ONNX Runtime {(double)correct / count:P2} ({OnnxFile}, {new FileInfo(path).Length / 1024.0:F0} KiB)");
        if (maxDiff > Tolerance)
        {
            throw new InvalidDataException(line);
        }

        output.WriteLine(line);
        return path;
    }
}
