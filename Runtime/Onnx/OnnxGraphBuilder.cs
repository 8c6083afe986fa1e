using System.Globalization;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Onnx;

/// <summary>
/// The ONNX graph being built by <see cref="OnnxExporter"/>: unique names, weights as initializers, nodes
/// in the order they run (so the graph is topologically sorted) and a declared shape for every module's
/// output. A module that implements <see cref="IOnnxExportable"/> receives it, scoped to its own path.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The name of the symbolic batch dimension of every declared shape.</summary>
    public const string BatchDimension = "batch";

    private readonly GraphProto graph;
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> samples = new(StringComparer.Ordinal);
    private readonly List<(string Name, long[] Shape)> shapes = new();
    private readonly HashSet<string> shaped = new(StringComparer.Ordinal);
    private readonly long sampleBatch;

    internal OnnxGraphBuilder(GraphProto graph, long sampleBatch)
    {
        this.graph = graph;
        this.sampleBatch = sampleBatch;
    }

    /// <summary>The path of the module being converted (dotted names as in the state dictionary; empty for the model itself).</summary>
    public string Path { get; private set; } = "";

    /// <summary>
    /// The shape of a value as the sample batch gives it, with −1 for the batch dimension; null when the
    /// value is not the output of a module (an intermediate value of a module's own nodes).
    /// </summary>
    /// <param name="value">The value's name.</param>
    public long[]? Shape(string value) => samples.TryGetValue(value, out Tensor? t) ? Declared(t.shape) : null;

    /// <summary>Adds a tensor as a float32 initializer named after the module's path; returns its unique name.</summary>
    /// <param name="name">The name inside the module (for example <c>weight</c>).</param>
    /// <param name="value">The values (any float type, any device: copied as float32).</param>
    public string Initializer(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var noGrad = no_grad();
        using Tensor f = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var proto = new TensorProto { Name = Unique(Scoped(name)), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(f.shape);
        // Tensor.bytes is the tensor's memory (little-endian floats): what ONNX's raw_data holds.
        proto.RawData = ByteString.CopyFrom(f.bytes);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a float32 constant (an initializer) of the given shape; returns its unique name.</summary>
    /// <param name="name">The name inside the module.</param>
    /// <param name="values">The values, row-major.</param>
    /// <param name="shape">The shape (empty for a scalar).</param>
    public string Constant(string name, float[] values, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
        {
            throw new ArgumentException($"The constant '{name}' has {values.Length} values but its shape [{string.Join(", ", shape)}] holds {shape.Aggregate(1L, (a, b) => a * b)}.", nameof(values));
        }

        var proto = new TensorProto { Name = Unique(Scoped(name)), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        proto.FloatData.AddRange(values);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a one-dimensional int64 constant (a shape or a list of axes); returns its unique name.</summary>
    /// <param name="name">The name inside the module.</param>
    /// <param name="values">The values.</param>
    public string Constant(string name, long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var proto = new TensorProto { Name = Unique(Scoped(name)), DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node of a standard ONNX operator with one output; returns the output's value name.</summary>
    /// <param name="opType">The operator (<c>Conv</c>, <c>Relu</c> …).</param>
    /// <param name="inputs">The names of its inputs, in the operator's order (an empty string for an omitted optional input).</param>
    /// <param name="attributes">Its attributes.</param>
    public string Node(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        string nodeName = Unique(Path.Length == 0 ? opType : $"{Path}/{opType}");
        var node = new NodeProto { Name = nodeName, OpType = opType, Output = { Unique(nodeName + "_output") } };
        node.Input.AddRange(inputs);
        foreach (OnnxAttribute a in attributes)
        {
            node.Attribute.Add(ToProto(a));
        }

        graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>Converts a sub-module applied to <paramref name="input"/> (a module's output or the input it was given); returns its output's value name.</summary>
    /// <param name="child">The sub-module.</param>
    /// <param name="childName">Its name inside this module (as in the state dictionary).</param>
    /// <param name="input">The value it is applied to.</param>
    /// <exception cref="OnnxExportException">The sub-module, or one inside it, cannot be expressed.</exception>
    public string Module(nn.Module<Tensor, Tensor> child, string childName, string input)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentException.ThrowIfNullOrWhiteSpace(childName);
        return Convert(child, Path.Length == 0 ? childName : $"{Path}.{childName}", input);
    }

    internal string Convert(nn.Module module, string path, string input)
    {
        if (!samples.TryGetValue(input, out Tensor? sample))
        {
            throw new InvalidOperationException($"The module at '{Describe(path)}' is applied to '{input}', which is not a module's output: convert sub-modules on the module's input or on another sub-module's output.");
        }

        string outer = Path;
        Path = path;
        try
        {
            if (module is not nn.Module<Tensor, Tensor> typed)
            {
                throw Refuse(path, module.GetType().Name, "it does not map one tensor to one tensor");
            }

            int firstNode = graph.Node.Count;
            string output;
            bool ownNodes;
            if (module is IOnnxExportable exportable)
            {
                output = exportable.ExportOnnx(this, input);
                ownNodes = false;
            }
            else if (module is TorchSharp.Modules.Sequential)
            {
                output = input;
                foreach (var (name, child) in module.named_children())
                {
                    output = Convert(child, path.Length == 0 ? name : $"{path}.{name}", output);
                }

                return output;
            }
            else if (ModuleConverters.Find(module) is ModuleConverter converter)
            {
                output = converter(this, module, input, sample);
                ownNodes = true;
            }
            else
            {
                throw Refuse(path, module.GetType().Name, "the exporter has no conversion for it");
            }

            // A module of the user's own declares only its output: its inner values' shapes are its business.
            Record(output, typed.forward(sample), ownNodes ? firstNode : graph.Node.Count);
            return output;
        }
        finally
        {
            Path = outer;
        }
    }

    internal void AddInput(string name, Tensor sample)
    {
        names.Add(name);
        samples[name] = sample;
        graph.Input.Add(ValueInfo(name, sample.shape));
    }

    internal void AddOutput(string name, long[] sampleShape)
    {
        graph.Output.Add(ValueInfo(name, sampleShape));
        shaped.Add(name);
    }

    /// <summary>Claims a name for a graph output (it must not be taken).</summary>
    internal string NodeWithOutput(string opType, string output, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        if (!names.Add(output))
        {
            throw new InvalidOperationException($"The graph already has a value named '{output}'.");
        }

        var node = new NodeProto { Name = Unique(output + "/" + opType), OpType = opType, Output = { output } };
        node.Input.AddRange(inputs);
        foreach (OnnxAttribute a in attributes)
        {
            node.Attribute.Add(ToProto(a));
        }

        graph.Node.Add(node);
        return output;
    }

    /// <summary>Declares the shapes of the values that are neither inputs nor outputs, in the order they were made.</summary>
    internal void DeclareIntermediateShapes()
    {
        var io = new HashSet<string>(graph.Input.Select(v => v.Name).Concat(graph.Output.Select(v => v.Name)), StringComparer.Ordinal);
        foreach (var (name, shape) in shapes.Where(s => !io.Contains(s.Name)))
        {
            graph.ValueInfo.Add(ValueInfo(name, shape));
        }
    }

    internal int NodeCount => graph.Node.Count;

    internal Tensor Sample(string value) => samples[value];

    /// <summary>
    /// Records a value's sample and declares its shape, and that of every value the nodes from
    /// <paramref name="firstNode"/> on made: the built-in conversions are element-wise around one operator.
    /// </summary>
    internal void Record(string value, Tensor sample, int firstNode)
    {
        samples[value] = sample;
        for (int i = firstNode; i < graph.Node.Count; i++)
        {
            Declare(graph.Node[i].Output[0], sample.shape);
        }

        Declare(value, sample.shape);
    }

    internal void Declare(string value, long[] sampleShape)
    {
        if (shaped.Add(value))
        {
            shapes.Add((value, sampleShape));
        }
    }

    internal static string Describe(string path) => path.Length == 0 ? "(the model itself)" : path;

    internal static OnnxExportException Refuse(string path, string type, string why) => new(path, type,
        $"Cannot export to ONNX: the module at '{Describe(path)}' is a {type}, and {why}. The exporter supports {ModuleConverters.SupportedList}; "
        + $"a module of your own can describe itself as ONNX nodes by implementing {nameof(IOnnxExportable)}.");

    private long[] Declared(long[] sampleShape)
    {
        long[] shape = (long[])sampleShape.Clone();
        if (shape.Length > 0 && shape[0] == sampleBatch)
        {
            shape[0] = -1;
        }

        return shape;
    }

    private ValueInfoProto ValueInfo(string name, long[] sampleShape)
    {
        var tensorShape = new TensorShapeProto();
        long[] shape = sampleShape;
        for (int i = 0; i < shape.Length; i++)
        {
            // The first dimension is the batch wherever the sample batch's size shows there.
            tensorShape.Dim.Add(i == 0 && shape[0] == sampleBatch
                ? new TensorShapeProto.Types.Dimension { DimParam = BatchDimension }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private string Scoped(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Path.Length == 0 ? name : $"{Path}.{name}";
    }

    private string Unique(string name)
    {
        if (names.Add(name))
        {
            return name;
        }

        for (int i = 1; ; i++)
        {
            string candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{i}");
            if (names.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private static AttributeProto ToProto(OnnxAttribute a)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Value)
        {
            case long i:
                p.Type = AttributeProto.Types.AttributeType.Int;
                p.I = i;
                break;
            case float f:
                p.Type = AttributeProto.Types.AttributeType.Float;
                p.F = f;
                break;
            case string s:
                p.Type = AttributeProto.Types.AttributeType.String;
                p.S = ByteString.CopyFromUtf8(s);
                break;
            case long[] ints:
                p.Type = AttributeProto.Types.AttributeType.Ints;
                p.Ints.AddRange(ints);
                break;
            case float[] floats:
                p.Type = AttributeProto.Types.AttributeType.Floats;
                p.Floats.AddRange(floats);
                break;
            default:
                throw new ArgumentException($"The attribute '{a.Name}' has a value of type {a.Value.GetType().Name}, which ONNX attributes here do not take.");
        }

        return p;
    }
}
