using System.Text.Json;
using CallbackGen.Inference;
using CallbackGen.Onnx;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Onnx;

/// <summary>The exported file: ONNX's checker rules, metadata, stable bytes, refusals and modules that describe themselves.</summary>
public class OnnxGraphTests
{
    [Fact]
    public void The_graph_has_unique_names_sorted_nodes_declared_shapes_opset_17_and_weights_as_initializers()
    {
        nn.Module<Tensor, Tensor> model = OnnxEqualityTests.SampleCnn();
        ModelProto onnx = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model, [28, 28],
            [ExportedTransform.ForNormalize(tensor(0.3f), tensor(0.35f)), ExportedTransform.ForReshape(-1, 1, 28, 28)], probabilities: true));
        GraphProto g = onnx.Graph;

        Assert.Equal(17, onnx.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal(8, onnx.IrVersion);

        // Unique names: values (inputs, initializers, node outputs) and nodes.
        string[] values = g.Input.Select(v => v.Name).Concat(g.Initializer.Select(i => i.Name)).Concat(g.Node.SelectMany(n => n.Output)).ToArray();
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.Equal(g.Node.Count, g.Node.Select(n => n.Name).Distinct().Count());

        // Topologically sorted: every node's inputs exist before it.
        var known = new HashSet<string>(g.Input.Select(v => v.Name).Concat(g.Initializer.Select(i => i.Name)));
        foreach (NodeProto node in g.Node)
        {
            Assert.All(node.Input, i => Assert.Contains(i, known));
            known.UnionWith(node.Output);
        }

        // Every value has a declared shape whose first dimension is the symbolic batch.
        var declared = g.Input.Concat(g.Output).Concat(g.ValueInfo).ToDictionary(v => v.Name);
        Assert.All(g.Node.SelectMany(n => n.Output), o => Assert.Equal(OnnxGraphBuilder.BatchDimension, declared[o].Type.TensorType.Shape.Dim[0].DimParam));
        Assert.Equal([28, 28], g.Input.Single().Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        Assert.Equal(["logits", "probabilities"], g.Output.Select(o => o.Name));
        Assert.Equal(10, g.Output[0].Type.TensorType.Shape.Dim[1].DimValue);

        // Every weight and BatchNorm statistic is an initializer named as in the state dictionary.
        string[] state = model.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToArray();
        Assert.Subset(g.Initializer.Select(i => i.Name).ToHashSet(), state.ToHashSet());
        Assert.DoesNotContain(g.Input, i => g.Initializer.Any(t => t.Name == i.Name));
        Assert.Contains(g.Node, n => n.OpType == "BatchNormalization" && n.Input[3] == "conv1.1.running_mean");
    }

    [Fact]
    public void The_metadata_carries_the_class_names_model_name_and_version_for_ONNX_Runtime()
    {
        using var learn = new Learner(nn.Sequential(("lin", nn.Linear(3, 2))), OnnxEqualityTests.TinyData(3), Losses.CrossEntropy, Optimizer.Sgd());
        string path = Path.Combine(Path.GetTempPath(), $"cbg-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            learn.ExportOnnx(path, modelName: "tiny", modelVersion: "7", classNames: ["no", "yes"]);
            using var session = new InferenceSession(path);
            ModelMetadata meta = session.ModelMetadata;
            Assert.Equal("tiny", meta.CustomMetadataMap[OnnxExporter.ModelNameKey]);
            Assert.Equal("7", meta.CustomMetadataMap[OnnxExporter.ModelVersionKey]);
            Assert.Equal(7, meta.Version);
            Assert.Equal(["no", "yes"], JsonSerializer.Deserialize<string[]>(meta.CustomMetadataMap[OnnxExporter.ClassNamesKey])!);
            Assert.Equal("CallbackGen", meta.ProducerName);
            // The input shape came from the validation data: [batch, 3], the batch dynamic.
            Assert.Equal([-1, 3], session.InputMetadata[OnnxExporter.InputName].Dimensions);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_same_model_exports_to_the_same_bytes_twice()
    {
        var (model, inputShape, _) = RandomStacks.Create(3);
        var (again, _, _) = RandomStacks.Create(3);
        var metadata = new ExportMetadata("m", "1", ["a", "b"]);

        byte[] first = OnnxExporter.ToBytes(model, inputShape, metadata: metadata);
        byte[] second = OnnxExporter.ToBytes(model, inputShape, metadata: metadata);
        byte[] rebuilt = OnnxExporter.ToBytes(again, inputShape, metadata: metadata);

        Assert.Equal(first, second);
        Assert.Equal(first, rebuilt);
        using (no_grad())
        {
            using Scalar step = 1e-3.ToScalar();
            model.parameters().First().add_(step);
        }

        Assert.NotEqual(first, OnnxExporter.ToBytes(model, inputShape, metadata: metadata));
    }

    [Fact]
    public void A_module_of_the_users_own_is_refused_with_its_path_its_type_and_what_is_supported()
    {
        var model = nn.Sequential(("stem", nn.Linear(4, 4)),
            ("body", nn.Sequential(nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), new Squash())),
            ("head", nn.Linear(4, 2)));

        var ex = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(model, [4]));

        Assert.Equal("body.3", ex.ModulePath);
        Assert.Equal(nameof(Squash), ex.ModuleType);
        Assert.Contains("'body.3' is a Squash", ex.Message);
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains(nameof(IOnnxExportable), ex.Message);
    }

    [Fact]
    public void A_transposed_convolution_and_a_custom_transform_kind_are_refused_by_name()
    {
        var model = nn.Sequential(("up", nn.ConvTranspose2d(2, 2, 2)));
        var ex = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(model, [2, 4, 4]));
        Assert.Equal("up", ex.ModulePath);

        var conv = nn.Sequential(("conv", nn.Conv2d(2, 2, 3, padding: 1, padding_mode: PaddingModes.Reflect)));
        var reflect = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(conv, [2, 4, 4]));
        Assert.Contains("Reflect", reflect.Message);

        var scale = new ExportedTransform("scale", numbers: new Dictionary<string, double[]> { ["factor"] = [2] });
        var kind = Assert.Throws<OnnxExportException>(() => OnnxExporter.ToBytes(nn.Linear(3, 2), [3], [scale]));
        Assert.Equal("transform.0", kind.ModulePath);
        Assert.Contains("'scale'", kind.Message);
    }

    [Fact]
    public void A_lambda_transform_is_refused_as_Export_refuses_it()
    {
        using var learn = TinyTask.Learner(cbs: [new BatchTransform(x => x * 2)]);
        string path = Path.Combine(Path.GetTempPath(), $"cbg-onnx-{Guid.NewGuid():N}.onnx");

        var onnx = Assert.Throws<InvalidOperationException>(() => learn.ExportOnnx(path));
        var export = Assert.Throws<InvalidOperationException>(() => learn.Export(path));

        Assert.Equal(export.Message, onnx.Message);
        Assert.Contains("BatchTransform.Of", onnx.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_module_that_implements_IOnnxExportable_describes_itself_and_its_sub_modules()
    {
        var model = nn.Sequential(("lin", nn.Linear(5, 6)), ("gate", new ScaledBlock(1.5f)), ("head", nn.Linear(6, 3)));
        RandomStacks.Randomise(model, 2);
        byte[] onnx = OnnxExporter.ToBytes(model, [5]);

        using var gen = new Generator().manual_seed(2);
        foreach (long batch in new long[] { 1, 37 })
        {
            using Tensor x = randn([batch, 5], generator: gen);
            Assert.True(OrtRun.MaxDifference(onnx, model, x) <= 1e-5);
        }

        GraphProto g = ModelProto.Parser.ParseFrom(onnx).Graph;
        Assert.Contains(g.Initializer, i => i.Name == "gate.factor");
        Assert.Contains(g.Node, n => n.Name == "gate.inner/Relu");
    }

    /// <summary>A module the exporter does not know.</summary>
    private sealed class Squash() : nn.Module<Tensor, Tensor>(nameof(Squash))
    {
        public override Tensor forward(Tensor x)
        {
            using Scalar one = 1.0.ToScalar();
            return x / (x.abs() + one);
        }
    }

    /// <summary>relu(x) · factor, described to the exporter: a constant, a sub-module and a node.</summary>
    private sealed class ScaledBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
    {
        private readonly float factor;
        private readonly nn.Module<Tensor, Tensor> inner = nn.ReLU();

        public ScaledBlock(float factor)
            : base(nameof(ScaledBlock))
        {
            this.factor = factor;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using Scalar scale = factor.ToScalar();
            return inner.forward(x) * scale;
        }

        public string ExportOnnx(OnnxGraphBuilder graph, string input) =>
            graph.Node("Mul", [graph.Module(inner, "inner", input), graph.Constant("factor", [factor], [])]);
    }
}
