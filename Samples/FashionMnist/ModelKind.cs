namespace CallbackGen.Samples.FashionMnist;

/// <summary>The two architectures the main job can train.</summary>
public enum ModelKind
{
    /// <summary>The lesson's multi-layer perceptron on flattened 784-pixel images.</summary>
    Mlp,

    /// <summary>A small convolutional network (stride-2 convolutions with batch norm, then average pooling).</summary>
    Cnn,
}
