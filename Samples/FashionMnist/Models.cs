using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>The main job's models, and the input shape each expects.</summary>
public static class Models
{
    /// <summary>Builds a freshly initialised model (TorchSharp's default init; seed the generator first).</summary>
    /// <param name="kind">Which architecture.</param>
    public static nn.Module<Tensor, Tensor> Create(ModelKind kind) => kind switch
    {
        // The lesson's 784-50-10 network, wider: 50 hidden units plateau near 84% here.
        ModelKind.Mlp => nn.Sequential(
            ("hidden", nn.Linear(784, 256)),
            ("relu", nn.ReLU()),
            ("head", nn.Linear(256, 10))),

        // Four stride-2 convolutions halve the image each time (28→14→7→4→2), batch norm keeps the
        // activations scaled so one-cycle can use a high learning rate, and pooling ends in 64 features.
        ModelKind.Cnn => nn.Sequential(
            ("conv1", ConvBlock(1, 16, 5)),
            ("conv2", ConvBlock(16, 32, 3)),
            ("conv3", ConvBlock(32, 64, 3)),
            ("conv4", ConvBlock(64, 64, 3)),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten()),
            ("head", nn.Linear(64, 10))),

        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown model."),
    };

    /// <summary>The shape a batch of flat or square images must have for <paramref name="kind"/>.</summary>
    /// <param name="kind">Which architecture.</param>
    public static long[] InputShape(ModelKind kind) => kind == ModelKind.Mlp ? [-1, 784] : [-1, 1, 28, 28];

    private static nn.Module<Tensor, Tensor> ConvBlock(long inChannels, long outChannels, long kernel) => nn.Sequential(
        nn.Conv2d(inChannels, outChannels, kernel, stride: 2, padding: kernel / 2, bias: false),
        nn.BatchNorm2d(outChannels),
        nn.ReLU());
}
