using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace CallbackGen.Samples.OnnxServe;

/// <summary>
/// <c>OnnxServe MODEL IMAGES [LABELS] [--count N]</c>: classifies the images of an MNIST-format file with a
/// model.onnx, one line per image (index, class, name, probability), then the accuracy when labels are given.
/// </summary>
public static class ServeCli
{
    /// <summary>Runs the command; 0 on success, 1 when a file cannot be used, 2 on a usage error.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="output">Where predictions go.</param>
    /// <param name="error">Where errors go.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var positional = new List<string>();
        int? count = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--count" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int n) && n > 0)
            {
                count = n;
                i++;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return Usage(error, $"unknown option or bad value: {args[i]}");
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        if (positional.Count is < 2 or > 3)
        {
            return Usage(error, "give a model.onnx and an MNIST-format images file (and optionally its labels).");
        }

        try
        {
            var clock = Stopwatch.StartNew();
            using var classifier = new ImageClassifier(positional[0]);
            ImageBatch images = ImageBatch.ReadIdx(positional[1]).Take(count ?? int.MaxValue);
            byte[]? labels = positional.Count == 3 ? ImageBatch.ReadLabels(positional[2]) : null;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model {classifier.ModelName} v{classifier.ModelVersion} from {Path.GetFullPath(positional[0])} (ONNX Runtime {OrtEnv.Instance().GetVersionString()}), input [{string.Join(", ", classifier.InputShape)}]; {images.Count:N0} image(s)"));
            IReadOnlyList<Prediction> predictions = classifier.Classify(images);
            long correct = 0;
            for (int i = 0; i < predictions.Count; i++)
            {
                Prediction p = predictions[i];
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i}\t{p.Class}\t{p.Name}\t{(double)p.Probability:R}"));
                correct += labels is not null && labels[i] == p.Class ? 1 : 0;
            }

            if (labels is not null)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {(double)correct / predictions.Count:P2} ({correct:N0} of {predictions.Count:N0}) in {clock.Elapsed.TotalMilliseconds:F0} ms"));
            }

            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or OnnxRuntimeException or ArgumentException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine("usage: dotnet run --project Samples/OnnxServe -- MODEL.onnx IMAGES[.gz] [LABELS[.gz]] [--count N]");
        return 2;
    }
}
