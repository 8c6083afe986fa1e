namespace CallbackGen.Samples.FashionMnist;

/// <summary>What <c>predict</c> mode needs: an export and MNIST-format images (and optionally their labels).</summary>
public sealed record PredictOptions
{
    /// <summary>The export written by a training run: <c>model.export</c>, or <c>model.onnx</c> to classify through ONNX Runtime.</summary>
    public required string Export { get; init; }

    /// <summary>An MNIST-format images file (idx3, raw or .gz).</summary>
    public required string Images { get; init; }

    /// <summary>An MNIST-format labels file for the images; when given, the accuracy is printed.</summary>
    public string? Labels { get; init; }

    /// <summary>Classify only the first images; null: all.</summary>
    public int? Count { get; init; }
}
