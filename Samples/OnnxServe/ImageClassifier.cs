using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace CallbackGen.Samples.OnnxServe;

/// <summary>
/// A model.onnx exported by CallbackGen (<c>Learner.ExportOnnx</c>), run by ONNX Runtime: input <c>input</c>
/// (raw images, the batch dimension dynamic), outputs <c>logits</c> and <c>probabilities</c>, the class
/// names in the metadata under <c>class_names</c>.
/// </summary>
public sealed class ImageClassifier : IDisposable
{
    private readonly InferenceSession session;

    /// <summary>Loads the model.</summary>
    /// <param name="path">The model.onnx file.</param>
    /// <param name="threads">ONNX Runtime's threads for one call (0: its default).</param>
    public ImageClassifier(string path, int threads = 0)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads };
        session = new InferenceSession(path, options);
        IReadOnlyDictionary<string, string> meta = session.ModelMetadata.CustomMetadataMap;
        ClassNames = meta.TryGetValue("class_names", out string? json) ? JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
        ModelName = meta.GetValueOrDefault("model_name") ?? "";
        ModelVersion = meta.GetValueOrDefault("model_version") ?? "";
        InputShape = session.InputMetadata["input"].Dimensions;
    }

    /// <summary>The class names by class index, from the model's metadata.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The model's name from its metadata.</summary>
    public string ModelName { get; }

    /// <summary>The model's version from its metadata.</summary>
    public string ModelVersion { get; }

    /// <summary>The input's shape, −1 for the batch (for the Fashion-MNIST sample: [−1, 28, 28]).</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Classifies a batch of images.</summary>
    /// <param name="images">The images, in the shape <see cref="InputShape"/> gives (after the batch).</param>
    /// <exception cref="ArgumentException">The images' size is not the model's.</exception>
    public IReadOnlyList<Prediction> Classify(ImageBatch images)
    {
        ArgumentNullException.ThrowIfNull(images);
        long perImage = InputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (perImage != (long)images.Rows * images.Columns)
        {
            throw new ArgumentException($"The model takes inputs of [{string.Join(", ", InputShape.Skip(1))}] but the images are {images.Rows}×{images.Columns}.", nameof(images));
        }

        long[] shape = [images.Count, .. InputShape.Skip(1).Select(d => (long)d)];
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(images.Pixels, shape);
        using var run = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, ["input"], [input], ["probabilities"]);
        ReadOnlySpan<float> probabilities = outputs[0].GetTensorDataAsSpan<float>();
        int classes = probabilities.Length / images.Count;
        var predictions = new Prediction[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            ReadOnlySpan<float> p = probabilities.Slice(i * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                best = p[c] > p[best] ? c : best;
            }

            predictions[i] = new Prediction(best, best < ClassNames.Count ? ClassNames[best] : best.ToString(System.Globalization.CultureInfo.InvariantCulture), p[best]);
        }

        return predictions;
    }

    /// <inheritdoc/>
    public void Dispose() => session.Dispose();
}
