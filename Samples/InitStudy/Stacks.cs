using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Samples.InitStudy;

/// <summary>The two stacks of the lesson: fully connected layers and 5×5 convolutions, each followed by a ReLU.</summary>
public static class Stacks
{
    /// <summary>The stacks' names, as <see cref="Create"/> takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["linear", "conv"];

    /// <summary>
    /// A flat <c>Sequential</c> whose direct children are the layers (so <see cref="ActivationStats"/> sees
    /// each one): weight layers named <c>linear1…</c> or <c>conv1…</c>, each followed by <c>relu1…</c>.
    /// </summary>
    /// <param name="name"><c>linear</c> (784→256, then 256→256) or <c>conv</c> (5×5 kernels, padding 2).</param>
    /// <param name="depth">The number of weight layers.</param>
    /// <param name="init">How to initialise them.</param>
    public static Sequential Create(string name, int depth, InitScheme init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 1; i <= depth; i++)
        {
            nn.Module<Tensor, Tensor> layer = name switch
            {
                "linear" => nn.Linear(i == 1 ? 784 : 256, 256),

                // Stride 2 on odd layers keeps the study quick (28→14→7→4) without changing its point.
                "conv" => nn.Conv2d(i == 1 ? 1 : 32, 32, 5, stride: i % 2 == 1 ? 2 : 1, padding: 2),
                _ => throw new ArgumentException($"Unknown stack '{name}'; use one of {string.Join(", ", Names)}.", nameof(name)),
            };
            if (init.Apply is not null)
            {
                using (no_grad())
                {
                    var (weight, bias) = layer is Linear l ? (l.weight!, l.bias) : (((Conv2d)layer).weight!, ((Conv2d)layer).bias);
                    init.Apply(weight, bias);
                }
            }

            layers.Add(($"{name}{i}", layer));
            layers.Add(($"relu{i}", nn.ReLU()));
        }

        return nn.Sequential(layers);
    }

    /// <summary>The input shape the stack expects for a batch of 28×28 images.</summary>
    /// <param name="name">The stack's name.</param>
    public static long[] InputShape(string name) => name == "linear" ? [-1, 784] : [-1, 1, 28, 28];
}
