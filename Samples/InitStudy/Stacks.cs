using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Samples.InitStudy;

/// <summary>The two stacks of the lesson: fully connected layers and 5×5 convolutions, each followed by a ReLU.</summary>
public static class Stacks
{
    /// <summary>The stacks' names, as <see cref="Create"/> takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["linear", "conv"];

    /// <summary>The deepest conv stack a 28×28 image allows: each unpadded 5×5 layer takes 4 pixels off (28 → 4).</summary>
    public const int MaxConvDepth = 6;

    /// <summary>The depth a stack gets when <paramref name="depth"/> is asked for.</summary>
    /// <param name="name">The stack's name.</param>
    /// <param name="depth">The depth asked for.</param>
    public static int DepthOf(string name, int depth) => name == "conv" ? Math.Min(depth, MaxConvDepth) : depth;

    /// <summary>
    /// A flat <c>Sequential</c> whose direct children are the layers (so <see cref="ActivationStats"/> sees
    /// each one): weight layers named <c>linear1…</c> or <c>conv1…</c>, each followed by <c>relu1…</c>.
    /// </summary>
    /// <param name="name"><c>linear</c> (784→256, then 256→256) or <c>conv</c> (5×5 kernels, 16 channels, no padding, as in the lesson).</param>
    /// <param name="depth">The number of weight layers (at most <see cref="MaxConvDepth"/> for <c>conv</c>).</param>
    /// <param name="init">How to initialise them.</param>
    public static Sequential Create(string name, int depth, InitScheme init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        if (name == "conv")
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(depth, MaxConvDepth);
        }

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 1; i <= depth; i++)
        {
            nn.Module<Tensor, Tensor> layer = name switch
            {
                "linear" => nn.Linear(i == 1 ? 784 : 256, 256),

                // No padding: zero borders would lower every layer's std on small maps and blur the point.
                "conv" => nn.Conv2d(i == 1 ? 1 : 16, 16, 5),
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
