using System.Globalization;
using System.Text.Json;
using CallbackGen.Data;
using Microsoft.ML.OnnxRuntime;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>predict</c> with a <c>model.onnx</c>: the images go through ONNX Runtime only (no TorchSharp in the
/// path); the class names come from the model's metadata. Prints what <see cref="PredictJob"/> prints.
/// </summary>
public static class OnnxPredictJob
{
    /// <summary>Classifies the images with ONNX Runtime, one line per image, and the accuracy when labels are given.</summary>
    /// <param name="options">What to classify with what (<see cref="PredictOptions.Export"/> is the ONNX file).</param>
    /// <param name="output">Where the predictions go.</param>
    public static void Classify(PredictOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1 };
        InferenceSession session;
        try
        {
            session = new InferenceSession(options.Export, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"Cannot load the ONNX model '{options.Export}': {ex.Message}", ex);
        }

        using var _ = session;
        var meta = session.ModelMetadata.CustomMetadataMap;
        string[] classNames = meta.TryGetValue("class_names", out string? json) ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
        (IdxHeader header, byte[] pixels) = ReadIdx(options.Images);
        if (header.Rank != 3 || header.DataType != IdxDataType.UInt8)
        {
            throw new InvalidDataException($"'{options.Images}' is not an MNIST-format images file (uint8, rank 3): it is {header}.");
        }

        byte[]? labels = options.Labels is string l ? ReadIdx(l).Data : null;
        int pixelsPerImage = header.Dimensions[1] * header.Dimensions[2];
        int n = Math.Min(header.Dimensions[0], options.Count ?? int.MaxValue);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {meta.GetValueOrDefault("model_name")} v{meta.GetValueOrDefault("model_version")} from {Path.GetFullPath(options.Export)} (ONNX Runtime); {n:N0} image(s) from {Path.GetFullPath(options.Images)}"));
        long correct = 0;
        for (int start = 0; start < n; start += 512)
        {
            int count = Math.Min(512, n - start);
            float[] batch = new float[count * pixelsPerImage];
            for (int i = 0; i < batch.Length; i++)
            {
                batch[i] = pixels[(start * pixelsPerImage) + i] / 255f;
            }

            using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch, [count, header.Dimensions[1], header.Dimensions[2]]);
            using var run = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(run, ["input"], [input], ["probabilities"]);
            ReadOnlySpan<float> probabilities = results[0].GetTensorDataAsSpan<float>();
            int classes = probabilities.Length / count;
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<float> p = probabilities.Slice(i * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++)
                {
                    best = p[c] > p[best] ? c : best;
                }

                string name = best < classNames.Length ? classNames[best] : best.ToString(CultureInfo.InvariantCulture);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{start + i}\t{best}\t{name}\t{(double)p[best]:R}"));
                if (labels is not null && labels[start + i] == best)
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

    private static (IdxHeader Header, byte[] Data) ReadIdx(string path)
    {
        using FileStream file = File.OpenRead(path);
        return IdxReader.ReadRaw(file, path);
    }
}
