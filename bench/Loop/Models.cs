using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>The two models measured; both take [N, 1, 28, 28] images and return 10 logits.</summary>
internal static class Models
{
    /// <summary>The seed's MLP: 784-50-10.</summary>
    public static nn.Module<Tensor, Tensor> Mlp() => nn.Sequential(
        ("flatten", nn.Flatten()),
        ("lin1", nn.Linear(784, 50)),
        ("relu", nn.ReLU()),
        ("lin2", nn.Linear(50, 10)));

    /// <summary>A small CNN of the lesson's shape: three stride-2 convolutions, average pool, linear.</summary>
    public static nn.Module<Tensor, Tensor> Cnn() => nn.Sequential(
        ("conv1", nn.Conv2d(1, 8, 5, stride: 2, padding: 2)),
        ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(8, 16, 3, stride: 2, padding: 1)),
        ("relu2", nn.ReLU()),
        ("conv3", nn.Conv2d(16, 32, 3, stride: 2, padding: 1)),
        ("relu3", nn.ReLU()),
        ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten()),
        ("lin", nn.Linear(32, 10)));

    /// <summary>The model named <paramref name="name"/>, created after seeding torch so every variant starts from the same weights.</summary>
    public static nn.Module<Tensor, Tensor> Create(string name, long seed)
    {
        random.manual_seed(seed);
        return name switch
        {
            "MLP" => Mlp(),
            "CNN" => Cnn(),
            _ => throw new ArgumentException($"Unknown model '{name}'.", nameof(name)),
        };
    }
}
