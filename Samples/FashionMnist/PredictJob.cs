using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>predict</c> mode: loads an export (no learner, no training data) and classifies the images of an
/// MNIST-format file, one line per image: index, class, name and probability. Given a <c>model.onnx</c>,
/// it classifies through ONNX Runtime instead (<see cref="OnnxPredictJob"/>).
/// </summary>
/// <example><code>
/// int exitCode = PredictJob.Run(new PredictOptions { Export = "runs/x/model.export", Images = "t10k-images-idx3-ubyte.gz" }, Console.Out, Console.Error);
/// </code></example>
public static class PredictJob
{
    /// <summary>Classifies the images; 0 on success, 1 when the export or the images cannot be read (a one-line message).</summary>
    /// <param name="options">What to classify with what.</param>
    /// <param name="output">Where the predictions go.</param>
    /// <param name="error">Where failures go.</param>
    public static int Run(PredictOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            Classify(options, output);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static void Classify(PredictOptions options, TextWriter output)
    {
        if (options.Export.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            OnnxPredictJob.Classify(options, output);
            return;
        }

        // The export names its architecture; the model's constructor is all inference needs of the training code.
        ExportMetadata meta = InferenceModel.ReadMetadata(options.Export);
        ModelKind kind = meta.ModelName switch
        {
            "mlp" => ModelKind.Mlp,
            "cnn" => ModelKind.Cnn,
            _ => throw new InvalidDataException($"The export '{options.Export}' holds a model named '{meta.ModelName}'; this sample builds 'mlp' and 'cnn'."),
        };
        using InferenceModel model = InferenceModel.Load(options.Export, () => Models.Create(kind));
        using DisposeScope scope = NewDisposeScope();
        Tensor images = IdxReader.ReadImages(options.Images);
        long[]? labels = options.Labels is string l ? IdxReader.ReadLabels(l).data<long>().ToArray() : null;
        long n = Math.Min(images.shape[0], options.Count ?? long.MaxValue);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {meta.ModelName} v{meta.ModelVersion} from {Path.GetFullPath(options.Export)}; {n:N0} image(s) from {Path.GetFullPath(options.Images)}"));
        long correct = 0;
        for (long start = 0; start < n; start += 512)
        {
            long count = Math.Min(512, n - start);
            IReadOnlyList<ClassPrediction> predictions = model.PredictClasses(images.narrow(0, start, count));
            for (int i = 0; i < predictions.Count; i++)
            {
                ClassPrediction p = predictions[i];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{start + i}\t{p.Class}\t{p.Name}\t{p.Probability:R}"));
                if (labels is not null && labels[start + i] == p.Class)
                {
                    correct++;
                }
            }
        }

        if (labels is not null)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {(double)correct / n:P2} ({correct:N0} of {n:N0})"));
        }
    }
}
