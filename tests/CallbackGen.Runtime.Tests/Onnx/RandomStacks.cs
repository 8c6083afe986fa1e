using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Onnx;

/// <summary>
/// Seeded random compositions of every module the ONNX exporter supports: the structure from a
/// <see cref="Random"/>, the weights and BatchNorm statistics from a torch generator of the same seed,
/// so a seed names one model. Each stack is an image stack (2-D), a sequence stack (1-D) or a flat one.
/// </summary>
internal static class RandomStacks
{
    public static (nn.Module<Tensor, Tensor> Model, long[] InputShape, string Description) Create(int seed)
    {
        var rng = new Random(seed);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long[] inputShape;
        switch (seed % 3)
        {
            case 0:
                inputShape = [rng.Next(1, 5), rng.Next(8, 17), rng.Next(8, 17)];
                ImageBody(rng, layers, inputShape);
                break;
            case 1:
                inputShape = [rng.Next(1, 5), rng.Next(8, 25)];
                SequenceBody(rng, layers, inputShape);
                break;
            default:
                inputShape = [rng.Next(3, 20)];
                FlatBody(rng, layers, inputShape);
                break;
        }

        var model = nn.Sequential(layers.ToArray());
        Randomise(model, seed);
        string description = string.Join(" → ", layers.Select(l => Describe(l.Item2)));
        return (model, inputShape, description);
    }

    /// <summary>Fills every parameter and BatchNorm statistic from a generator: no global RNG, non-trivial statistics.</summary>
    public static void Randomise(nn.Module model, long seed)
    {
        using var gen = new Generator().manual_seed(seed);
        using var noGrad = no_grad();
        // Scalars held for the call: an implicit Scalar can be finalized by another thread during the native call.
        using Scalar two = 2.0.ToScalar(), one = 1.0.ToScalar(), half = 0.5.ToScalar(), spread = 1.5.ToScalar();
        foreach (var (name, p) in model.named_parameters())
        {
            long fanIn = p.dim() > 1 ? p.shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 4;
            using Scalar scale = (1 / Math.Sqrt(fanIn)).ToScalar();
            // Uniform in ±1/√fan-in; a norm's scale in [0.5, 1.5) so that no channel vanishes.
            using Tensor init = rand(p.shape, generator: gen).mul_(two).sub_(one).mul_(scale);
            if (name.EndsWith("weight", StringComparison.Ordinal) && p.dim() == 1)
            {
                init.abs_().add_(half);
            }

            p.copy_(init);
        }

        foreach (var (name, b) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
            {
                using Tensor mean = rand(b.shape, generator: gen).sub_(half);
                b.copy_(mean);
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                using Tensor variance = rand(b.shape, generator: gen).mul_(spread).add_(half);
                b.copy_(variance);
            }
        }
    }

    private static void ImageBody(Random rng, List<(string, nn.Module<Tensor, Tensor>)> layers, long[] input)
    {
        long c = input[0], h = input[1], w = input[2];
        int count = rng.Next(3, 8);
        for (int i = 0; i < count; i++)
        {
            nn.Module<Tensor, Tensor> layer;
            switch (rng.Next(6))
            {
                case 0 or 1:
                    long groups = new long[] { 1, 1, 2, c }.Where(g => c % g == 0).ElementAt(rng.Next(new long[] { 1, 1, 2, c }.Count(g => c % g == 0)));
                    long outC = groups * rng.Next(1, 4);
                    long k = rng.Next(1, 4), stride = rng.Next(1, 3), dilation = rng.Next(1, 3);
                    bool same = stride == 1 && rng.Next(3) == 0;
                    layer = same
                        ? nn.Conv2d(c, outC, k, padding: Padding.Same, dilation: dilation, groups: groups, bias: rng.Next(2) == 0)
                        : nn.Conv2d(c, outC, k, stride: stride, padding: rng.Next((int)k / 2 + 1), dilation: dilation, groups: groups, bias: rng.Next(2) == 0);
                    c = outC;
                    break;
                case 2:
                    layer = nn.BatchNorm2d(c);
                    break;
                case 3:
                    layer = Activation(rng);
                    break;
                case 4:
                    long pk = rng.Next(2, 4);
                    layer = rng.Next(2) == 0
                        ? nn.MaxPool2d(pk, stride: rng.Next(1, 3), padding: rng.Next((int)pk / 2 + 1), dilation: rng.Next(1, 3), ceil_mode: rng.Next(2) == 0)
                        : nn.AvgPool2d(pk, stride: rng.Next(1, 3), padding: rng.Next((int)pk / 2 + 1), ceil_mode: rng.Next(2) == 0, count_include_pad: rng.Next(2) == 0);
                    break;
                default:
                    layer = rng.Next(2) == 0 ? nn.Dropout(0.5) : nn.Identity();
                    break;
            }

            // Keep the layer only if the image it leaves is at least 2×2.
            using (no_grad())
            {
                using Tensor probe = zeros(2, input[0], input[1], input[2]);
                using Tensor before = nn.Sequential(layers.ToArray()).forward(probe);
                try
                {
                    using Tensor after = layer.forward(before);
                    if (after.shape[^1] < 2 || after.shape[^2] < 2)
                    {
                        c = before.shape[1];
                        continue;
                    }

                    (h, w) = (after.shape[2], after.shape[3]);
                }
                catch (ExternalException)
                {
                    c = before.shape[1];
                    continue;
                }
            }

            layers.Add(($"l{layers.Count}", layer));
        }

        switch (rng.Next(3))
        {
            case 0:
                layers.Add(("pool", nn.AdaptiveAvgPool2d(1)));
                layers.Add(("flatten", nn.Flatten()));
                layers.Add(("head", nn.Linear(c, rng.Next(2, 6))));
                break;
            case 1 when h % 2 == 0 && w % 2 == 0:
                layers.Add(("pool", nn.AdaptiveAvgPool2d(2)));
                layers.Add(("flatten", nn.Flatten()));
                layers.Add(("head", nn.Linear(c * 4, rng.Next(2, 6))));
                break;
            default:
                // [N, C, H·W] (a Reshape in ONNX), a Linear over the last dimension (MatMul and Add), then flat.
                layers.Add(("rows", nn.Flatten(start_dim: 2)));
                layers.Add(("mix", nn.Linear(h * w, 3)));
                layers.Add(("flatten", nn.Flatten()));
                layers.Add(("head", nn.Linear(c * 3, rng.Next(2, 6))));
                break;
        }

        Tail(rng, layers);
    }

    private static void SequenceBody(Random rng, List<(string, nn.Module<Tensor, Tensor>)> layers, long[] input)
    {
        long c = input[0], length = input[1];
        int count = rng.Next(2, 6);
        for (int i = 0; i < count; i++)
        {
            switch (rng.Next(3))
            {
                case 0:
                    long groups = c % 2 == 0 && rng.Next(2) == 0 ? 2 : 1;
                    long outC = groups * rng.Next(1, 4), k = rng.Next(1, 4), stride = rng.Next(1, 3), dilation = rng.Next(1, 3);
                    long padding = rng.Next((int)k / 2 + 1);
                    long next = ((length + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
                    if (next < 2)
                    {
                        continue;
                    }

                    layers.Add(($"l{layers.Count}", nn.Conv1d(c, outC, k, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: rng.Next(2) == 0)));
                    (c, length) = (outC, next);
                    break;
                case 1:
                    layers.Add(($"l{layers.Count}", nn.BatchNorm1d(c)));
                    break;
                default:
                    layers.Add(($"l{layers.Count}", Activation(rng)));
                    break;
            }
        }

        // Flatten, or first a Linear over the positions of each channel (MatMul and Add in ONNX).
        if (rng.Next(2) == 0)
        {
            layers.Add(("flatten", nn.Flatten()));
            layers.Add(("head", nn.Linear(c * length, rng.Next(2, 6))));
        }
        else
        {
            layers.Add(("mix", nn.Linear(length, 3, hasBias: rng.Next(2) == 0)));
            layers.Add(("flatten", nn.Flatten()));
            layers.Add(("head", nn.Linear(c * 3, rng.Next(2, 6))));
        }

        Tail(rng, layers);
    }

    private static void FlatBody(Random rng, List<(string, nn.Module<Tensor, Tensor>)> layers, long[] input)
    {
        long features = input[0];
        int count = rng.Next(2, 7);
        for (int i = 0; i < count; i++)
        {
            switch (rng.Next(4))
            {
                case 0:
                    long next = rng.Next(2, 24);
                    layers.Add(($"l{layers.Count}", nn.Linear(features, next, hasBias: rng.Next(3) != 0)));
                    features = next;
                    break;
                case 1:
                    layers.Add(($"l{layers.Count}", nn.BatchNorm1d(features)));
                    break;
                case 2:
                    layers.Add(($"l{layers.Count}", rng.Next(2) == 0 ? nn.Dropout(0.3) : nn.Identity()));
                    break;
                default:
                    layers.Add(($"l{layers.Count}", Activation(rng)));
                    break;
            }
        }

        // A nested, named block, as the sample's CNN has.
        layers.Add(("block", nn.Sequential(("lin", nn.Linear(features, 8)), ("act", Activation(rng)))));
        layers.Add(("head", nn.Linear(8, rng.Next(2, 6))));
        Tail(rng, layers);
    }

    private static void Tail(Random rng, List<(string, nn.Module<Tensor, Tensor>)> layers)
    {
        switch (rng.Next(3))
        {
            case 0:
                layers.Add(("out", nn.Softmax(-1)));
                break;
            case 1:
                layers.Add(("out", nn.LogSoftmax(1)));
                break;
        }
    }

    private static nn.Module<Tensor, Tensor> Activation(Random rng) => rng.Next(7) switch
    {
        0 => nn.ReLU(),
        1 => nn.LeakyReLU(0.01 + (rng.NextDouble() * 0.3)),
        2 => nn.GELU(),
        3 => nn.GELU(GELU.Approximate.tanh),
        4 => nn.SiLU(),
        5 => nn.Sigmoid(),
        _ => nn.Tanh(),
    };

    private static string Describe(nn.Module m) => m switch
    {
        Conv2d c => $"Conv2d({c.in_channels}→{c.out_channels}, k{c.kernel_size[0]}, s{c.stride?[0]}, p{(c.padding_type is Padding.Same ? "same" : c.padding?[0].ToString())}, d{c.dilation?[0]}, g{c.groups}{(c.bias is null ? ", no bias" : "")})",
        Conv1d c => $"Conv1d({c.in_channels}→{c.out_channels}, k{c.kernel_size[0]}, s{c.stride?[0]}, p{c.padding?[0]}, d{c.dilation?[0]}, g{c.groups})",
        MaxPool2d p => $"MaxPool2d(k{p.kernel_size[0]}, s{p.stride?[0]}, p{p.padding?[0]}, d{p.dilation?[0]}{(p.ceil_mode ? ", ceil" : "")})",
        AvgPool2d p => $"AvgPool2d(k{p.kernel_size[0]}, s{p.stride?[0]}, p{p.padding?[0]}{(p.ceil_mode ? ", ceil" : "")}{(p.count_include_pad ? "" : ", exclude pad")})",
        Linear l => $"Linear({l.in_features}→{l.out_features})",
        Sequential s => "[" + string.Join(" → ", s.named_children().Select(c => Describe(c.module))) + "]",
        _ => m.GetType().Name,
    };
}
