using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Onnx;

/// <summary>
/// The registry of TorchSharp module types the exporter converts, by exact type (a subclass may
/// override <c>forward</c>, so it is not taken for its base), and each one's ONNX nodes (opset 17).
/// </summary>
internal static class ModuleConverters
{
    private static readonly Dictionary<Type, ModuleConverter> Converters = new()
    {
        [typeof(Linear)] = LinearNodes,
        [typeof(Conv1d)] = ConvNodes,
        [typeof(Conv2d)] = ConvNodes,
        [typeof(BatchNorm1d)] = BatchNormNodes,
        [typeof(BatchNorm2d)] = BatchNormNodes,
        [typeof(ReLU)] = (g, m, x, s) => g.Node("Relu", [x]),
        [typeof(LeakyReLU)] = (g, m, x, s) => g.Node("LeakyRelu", [x], OnnxAttribute.Float("alpha", (float)((LeakyReLU)m).negative_slope)),
        [typeof(GELU)] = GeluNodes,
        [typeof(SiLU)] = (g, m, x, s) => g.Node("Mul", [x, g.Node("Sigmoid", [x])]),
        [typeof(Sigmoid)] = (g, m, x, s) => g.Node("Sigmoid", [x]),
        [typeof(Tanh)] = (g, m, x, s) => g.Node("Tanh", [x]),
        [typeof(Softmax)] = (g, m, x, s) => g.Node("Softmax", [x], OnnxAttribute.Int("axis", ((Softmax)m).dim)),
        [typeof(LogSoftmax)] = (g, m, x, s) => g.Node("LogSoftmax", [x], OnnxAttribute.Int("axis", ((LogSoftmax)m).dim)),
        [typeof(MaxPool2d)] = MaxPoolNodes,
        [typeof(AvgPool2d)] = AvgPoolNodes,
        [typeof(AdaptiveAvgPool2d)] = AdaptiveAvgPoolNodes,
        [typeof(Flatten)] = FlattenNodes,
        // Dropout is the identity in eval mode, the mode an export describes.
        [typeof(Dropout)] = (g, m, x, s) => g.Node("Identity", [x]),
        [typeof(Identity)] = (g, m, x, s) => g.Node("Identity", [x]),
    };

    /// <summary>The supported modules, for refusal messages.</summary>
    public static string SupportedList { get; } =
        "Sequential (nested, named), " + string.Join(", ", Converters.Keys.Select(t => t.Name)) + " (TorchSharp.Modules)";

    public static ModuleConverter? Find(nn.Module module) => Converters.GetValueOrDefault(module.GetType());

    private static string LinearNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var linear = (Linear)m;
        if (sample.dim() == 2)
        {
            string[] inputs = linear.bias is null ? [x, g.Initializer("weight", linear.weight!)] : [x, g.Initializer("weight", linear.weight!), g.Initializer("bias", linear.bias)];
            return g.Node("Gemm", inputs, OnnxAttribute.Int("transB", 1));
        }

        // Gemm takes matrices only: a batch of sequences multiplies by the transposed weight and adds the bias.
        using Tensor transposed = linear.weight!.detach().t();
        string product = g.Node("MatMul", [x, g.Initializer("weight_t", transposed)]);
        return linear.bias is null ? product : g.Node("Add", [product, g.Initializer("bias", linear.bias)]);
    }

    private static string ConvNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var conv = (Convolution)m;
        string type = m.GetType().Name;
        if (conv.transposed)
        {
            throw Unsupported(g, m, "a transposed convolution");
        }

        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw Unsupported(g, m, $"padding mode {conv.padding_mode} (only zero padding)");
        }

        int dims = conv.kernel_size.Length;
        long[] stride = conv.stride ?? Ones(dims);
        long[] dilation = conv.dilation ?? Ones(dims);
        long[] begin, end;
        if (conv.padding_type is Padding.Same)
        {
            // PyTorch's 'same': the total padding dilation·(k−1), the odd one extra at the end.
            begin = new long[dims];
            end = new long[dims];
            for (int i = 0; i < dims; i++)
            {
                long total = dilation[i] * (conv.kernel_size[i] - 1);
                begin[i] = total / 2;
                end[i] = total - begin[i];
            }
        }
        else
        {
            begin = conv.padding_type is Padding.Valid || conv.padding is null ? new long[dims] : Expand(conv.padding, dims, type, "padding");
            end = begin;
        }

        var inputs = new List<string> { x, g.Initializer("weight", conv.weight!) };
        if (conv.bias is not null)
        {
            inputs.Add(g.Initializer("bias", conv.bias));
        }

        return g.Node("Conv", inputs,
            OnnxAttribute.Ints("kernel_shape", conv.kernel_size),
            OnnxAttribute.Ints("strides", Expand(stride, dims, type, "stride")),
            OnnxAttribute.Ints("dilations", Expand(dilation, dims, type, "dilation")),
            OnnxAttribute.Ints("pads", begin.Concat(end)),
            OnnxAttribute.Int("group", conv.groups));
    }

    private static string BatchNormNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var bn = (BatchNorm)m;
        if (!bn.track_running_stats || bn.running_mean is null || bn.running_var is null)
        {
            throw Unsupported(g, m, "no running statistics (track_running_stats: false normalises each batch by its own statistics, even in eval mode)");
        }

        long c = bn.num_features;
        using Tensor ones = torch.ones(c);
        using Tensor zeros = torch.zeros(c);
        string scale = bn.affine && bn.weight is not null ? g.Initializer("weight", bn.weight) : g.Initializer("weight", ones);
        string bias = bn.affine && bn.bias is not null ? g.Initializer("bias", bn.bias) : g.Initializer("bias", zeros);
        return g.Node("BatchNormalization", [x, scale, bias, g.Initializer("running_mean", bn.running_mean), g.Initializer("running_var", bn.running_var)],
            OnnxAttribute.Float("epsilon", (float)bn.eps));
    }

    private static string GeluNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        // Opset 17 has no Gelu operator (it came in 20): write out PyTorch's definitions.
        string half = g.Constant("half", [0.5f], []);
        string one = g.Constant("one", [1f], []);
        string inner;
        if (((GELU)m).approximate == GELU.Approximate.tanh)
        {
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            string cube = g.Node("Mul", [x, g.Node("Mul", [x, x])]);
            string sum = g.Node("Add", [x, g.Node("Mul", [cube, g.Constant("coefficient", [0.044715f], [])])]);
            inner = g.Node("Tanh", [g.Node("Mul", [sum, g.Constant("sqrt_2_over_pi", [(float)Math.Sqrt(2 / Math.PI)], [])])]);
        }
        else
        {
            // 0.5·x·(1 + erf(x/√2))
            inner = g.Node("Erf", [g.Node("Div", [x, g.Constant("sqrt_2", [(float)Math.Sqrt(2)], [])])]);
        }

        return g.Node("Mul", [g.Node("Mul", [x, half]), g.Node("Add", [inner, one])]);
    }

    private static string MaxPoolNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var pool = (MaxPool2d)m;
        long[] kernel = Expand(pool.kernel_size, 2, "MaxPool2d", "kernel_size");
        long[] stride = Expand(pool.stride ?? kernel, 2, "MaxPool2d", "stride");
        long[] dilation = Expand(pool.dilation ?? [1], 2, "MaxPool2d", "dilation");
        var (pads, ceil) = PoolPads(g, m, sample, kernel, stride, dilation, Expand(pool.padding ?? [0], 2, "MaxPool2d", "padding"), pool.ceil_mode);
        return g.Node("MaxPool", [x],
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", stride),
            OnnxAttribute.Ints("dilations", dilation),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Int("ceil_mode", ceil ? 1 : 0));
    }

    private static string AvgPoolNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var pool = (AvgPool2d)m;
        if (pool.divisor_override is not null)
        {
            throw Unsupported(g, m, "divisor_override (ONNX's AveragePool divides by the window)");
        }

        long[] kernel = Expand(pool.kernel_size, 2, "AvgPool2d", "kernel_size");
        long[] stride = Expand(pool.stride ?? kernel, 2, "AvgPool2d", "stride");
        long[] padding = Expand(pool.padding ?? [0], 2, "AvgPool2d", "padding");
        var (pads, ceil) = PoolPads(g, m, sample, kernel, stride, [1, 1], padding, pool.ceil_mode);
        if (pool.count_include_pad && (ceil || pads[2] != padding[0] || pads[3] != padding[1]))
        {
            // PyTorch divides a window that passes the padding by the part inside it; ONNX would count the extra padding.
            throw Unsupported(g, m, "ceil_mode with count_include_pad where the last window passes the padding (use count_include_pad: false, or no ceil_mode)");
        }

        return g.Node("AveragePool", [x],
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", stride),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Int("ceil_mode", ceil ? 1 : 0),
            OnnxAttribute.Int("count_include_pad", pool.count_include_pad ? 1 : 0));
    }

    /// <summary>
    /// The pads [top, left, bottom, right] and ceil_mode that give PyTorch's output size. ceil_mode becomes
    /// extra padding at the end under ONNX's floor rule (so ONNX's shape inference agrees: PyTorch drops a
    /// last window that would start in the padding, ONNX's ceil rule keeps it); where that padding would
    /// reach a kernel's size (with dilation), ONNX's own ceil_mode, if it gives the same size.
    /// </summary>
    private static (long[] Pads, bool Ceil) PoolPads(OnnxGraphBuilder g, nn.Module m, Tensor sample, long[] kernel, long[] stride, long[] dilation, long[] padding, bool ceil)
    {
        long[] end = (long[])padding.Clone();
        bool nativeCeil = false;
        for (int i = 0; i < 2 && ceil; i++)
        {
            long size = sample.shape[sample.dim() - 2 + i];
            long span = size + (2 * padding[i]) - (dilation[i] * (kernel[i] - 1)) - 1;
            long onnxCeil = ((span + stride[i] - 1) / stride[i]) + 1;
            long torchSize = (onnxCeil - 1) * stride[i] >= size + padding[i] ? onnxCeil - 1 : onnxCeil;
            end[i] = Math.Max(padding[i], ((torchSize - 1) * stride[i]) + (dilation[i] * (kernel[i] - 1)) + 1 - size - padding[i]);
            if (end[i] >= kernel[i])
            {
                if (onnxCeil != torchSize)
                {
                    throw Unsupported(g, m, $"ceil_mode here (input {size}, kernel {kernel[i]}, stride {stride[i]}, padding {padding[i]}, dilation {dilation[i]}): ONNX would add a last window that PyTorch drops");
                }

                nativeCeil = true;
            }
        }

        return nativeCeil ? ([padding[0], padding[1], padding[0], padding[1]], true) : ([padding[0], padding[1], end[0], end[1]], false);
    }

    private static string AdaptiveAvgPoolNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        long[] size = Expand(((AdaptiveAvgPool2d)m).output_size, 2, "AdaptiveAvgPool2d", "output_size");
        long h = sample.shape[^2], w = sample.shape[^1];
        if (size[0] == 1 && size[1] == 1)
        {
            return g.Node("GlobalAveragePool", [x]);
        }

        // Adaptive pooling is a fixed pooling when the input divides evenly into the output's cells.
        if (size[0] <= 0 || size[1] <= 0 || h % size[0] != 0 || w % size[1] != 0)
        {
            throw Unsupported(g, m, $"an output of {size[0]}×{size[1]} from an input of {h}×{w} (ONNX expresses 1×1, or sizes that divide the input evenly)");
        }

        long[] kernel = [h / size[0], w / size[1]];
        return g.Node("AveragePool", [x], OnnxAttribute.Ints("kernel_shape", kernel), OnnxAttribute.Ints("strides", kernel));
    }

    private static string FlattenNodes(OnnxGraphBuilder g, nn.Module m, string x, Tensor sample)
    {
        var flatten = (Flatten)m;
        int rank = (int)sample.dim();
        long start = flatten.start_dim < 0 ? flatten.start_dim + rank : flatten.start_dim;
        long end = flatten.end_dim < 0 ? flatten.end_dim + rank : flatten.end_dim;
        if (end == rank - 1)
        {
            // ONNX's Flatten keeps the dimensions before the axis as one; with axis 1 that is the batch.
            if (start == 1)
            {
                return g.Node("Flatten", [x], OnnxAttribute.Int("axis", 1));
            }
        }

        // Otherwise a reshape: 0 copies a leading dimension (the batch), −1 is the flattened run, the rest as the sample has them.
        var shape = new List<long>();
        for (int i = 0; i < start; i++)
        {
            shape.Add(0);
        }

        shape.Add(-1);
        for (long i = end + 1; i < rank; i++)
        {
            shape.Add(sample.shape[i]);
        }

        return g.Node("Reshape", [x, g.Constant("shape", shape.ToArray())]);
    }

    private static long[] Ones(int n) => Enumerable.Repeat(1L, n).ToArray();

    /// <summary>A per-dimension setting given once for all dimensions or once per dimension.</summary>
    private static long[] Expand(long[] values, int dims, string type, string what) =>
        values.Length == dims ? values
        : values.Length == 1 ? Enumerable.Repeat(values[0], dims).ToArray()
        : throw new InvalidOperationException($"The {type}'s {what} has {values.Length} values for {dims} dimensions.");

    private static OnnxExportException Unsupported(OnnxGraphBuilder g, nn.Module m, string what) =>
        OnnxGraphBuilder.Refuse(g.Path, m.GetType().Name, $"ONNX export does not support {what}");
}
