using System.Text.Json;
using CallbackGen.Inference;
using CallbackGen.IO;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Onnx;

/// <summary>
/// Writes a TorchSharp model and its input transforms as one ONNX model (opset <see cref="Opset"/>) that
/// ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c> or onnxruntime-web can serve without TorchSharp. The graph
/// takes the same raw input as <see cref="InferenceModel"/> (the transforms are its first nodes), with a
/// dynamic batch dimension, and outputs the model's logits (<see cref="LogitsName"/>) and, when asked,
/// their softmax (<see cref="ProbabilitiesName"/>). The weights are initializers; the model's name and
/// version and the class names are metadata. The same model gives the same bytes.
/// </summary>
/// <remarks>
/// The model is converted module by module from its structure (nested, named <c>Sequential</c>s) in eval
/// mode; see <c>docs/after-fit.md</c> for the supported modules. Anything else is refused with an
/// <see cref="OnnxExportException"/> naming the module's path, unless it implements <see cref="IOnnxExportable"/>.
/// </remarks>
/// <example>
/// <code>
/// var model = nn.Sequential(("hidden", nn.Linear(784, 256)), ("relu", nn.ReLU()), ("head", nn.Linear(256, 10)));
/// OnnxExporter.Write("model.onnx", model, inputShape: [28, 28], transforms: [ExportedTransform.ForReshape(-1, 784)],
///     metadata: new ExportMetadata("mlp", "1", classNames));
/// </code>
/// </example>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (ONNX Runtime 1.14 and later run it).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (the one that goes with opset 17).</summary>
    public const int IrVersion = 8;

    /// <summary>The graph's input: a float32 batch of raw inputs, [batch, …the input shape].</summary>
    public const string InputName = "input";

    /// <summary>The graph's first output: the model's outputs (logits for a classifier), float32.</summary>
    public const string LogitsName = "logits";

    /// <summary>The graph's second output when asked for: the softmax of the logits over the last dimension.</summary>
    public const string ProbabilitiesName = "probabilities";

    /// <summary>The metadata key of the class names (a JSON array of strings, by class index).</summary>
    public const string ClassNamesKey = "class_names";

    /// <summary>The metadata key of the model's name.</summary>
    public const string ModelNameKey = "model_name";

    /// <summary>The metadata key of the model's version (free text; also the model's integer version when it is one).</summary>
    public const string ModelVersionKey = "model_version";

    /// <summary>The metadata key of the input transforms' kinds (a JSON array, in the order they run).</summary>
    public const string InputTransformsKey = "input_transforms";

    // The sample batch that traces shapes: 2, so that a dimension that is the batch can be told from a 1.
    private const long SampleBatch = 2;

    /// <summary>The ONNX model's bytes (see <see cref="OnnxExporter"/>).</summary>
    /// <param name="model">The model (put in eval mode while it is read, then back in the mode it was in).</param>
    /// <param name="inputShape">The shape of one raw input, without the batch (for example [28, 28]).</param>
    /// <param name="transforms">The input transforms, in the order they run (as <see cref="Learner.Export"/> records them); null for none.</param>
    /// <param name="metadata">The model's name, version and class names; null for none.</param>
    /// <param name="probabilities">Whether to add the <see cref="ProbabilitiesName"/> output.</param>
    /// <exception cref="OnnxExportException">A module or a transform cannot be expressed in ONNX; the message names it and its path.</exception>
    public static byte[] ToBytes(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, IReadOnlyList<ExportedTransform>? transforms = null,
        ExportMetadata? metadata = null, bool probabilities = false) =>
        Build(model, inputShape, transforms ?? [], metadata ?? new ExportMetadata("", "", []), probabilities).ToByteArray();

    /// <summary>Writes the ONNX model (see <see cref="ToBytes"/>) atomically; returns the full path.</summary>
    /// <param name="path">The file to write (by convention <c>model.onnx</c>).</param>
    /// <param name="model">The model.</param>
    /// <param name="inputShape">The shape of one raw input, without the batch.</param>
    /// <param name="transforms">The input transforms, in the order they run; null for none.</param>
    /// <param name="metadata">The model's name, version and class names; null for none.</param>
    /// <param name="probabilities">Whether to add the <see cref="ProbabilitiesName"/> output.</param>
    /// <exception cref="OnnxExportException">A module or a transform cannot be expressed in ONNX.</exception>
    public static string Write(string path, nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, IReadOnlyList<ExportedTransform>? transforms = null,
        ExportMetadata? metadata = null, bool probabilities = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = ToBytes(model, inputShape, transforms, metadata, probabilities);
        string full = Path.GetFullPath(path);
        AtomicFile.WriteAllBytes(full, bytes);
        return full;
    }

    private static ModelProto Build(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, IReadOnlyList<ExportedTransform> transforms, ExportMetadata metadata, bool probabilities)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException($"The input shape [{string.Join(", ", inputShape)}] must list one raw input's dimensions (each ≥ 1), without the batch.", nameof(inputShape));
        }

        var graph = new GraphProto { Name = metadata.ModelName.Length > 0 ? metadata.ModelName : "model" };
        var builder = new OnnxGraphBuilder(graph, SampleBatch);
        // Each module's own mode, restored afterwards (a model may hold frozen parts in eval mode while training).
        var modes = model.modules().Select(m => (Module: m, m.training)).Prepend((Module: (nn.Module)model, model.training)).ToArray();
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using DisposeScope scope = NewDisposeScope();
            Device device = model.parameters().FirstOrDefault()?.device ?? CPU;
            // Zeros, not random numbers: an export must not advance the global generator that a seeded training run relies on.
            builder.AddInput(InputName, zeros([SampleBatch, .. inputShape], device: device));
            string value = InputName;
            for (int i = 0; i < transforms.Count; i++)
            {
                value = TransformConverter.Convert(builder, transforms[i], i, value);
            }

            value = builder.Convert(model, "", value);
            Tensor logits = builder.Sample(value);
            builder.NodeWithOutput("Identity", LogitsName, [value]);
            builder.AddOutput(LogitsName, logits.shape);
            if (probabilities)
            {
                builder.NodeWithOutput("Softmax", ProbabilitiesName, [LogitsName], OnnxAttribute.Int("axis", -1));
                builder.AddOutput(ProbabilitiesName, logits.shape);
            }

            builder.DeclareIntermediateShapes();
        }
        finally
        {
            foreach (var (module, training) in modes)
            {
                module.train(training);
            }
        }

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "CallbackGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "",
            Graph = graph,
            DocString = $"Input '{InputName}': float32 [batch, {string.Join(", ", inputShape)}], the raw input CallbackGen's InferenceModel takes; output '{LogitsName}'"
                + (probabilities ? $" and '{ProbabilitiesName}' (softmax over the last dimension)." : "."),
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (long.TryParse(metadata.ModelVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long version))
        {
            onnx.ModelVersion = version;
        }

        onnx.MetadataProps.Add(new StringStringEntryProto { Key = ModelNameKey, Value = metadata.ModelName });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = ModelVersionKey, Value = metadata.ModelVersion });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = ClassNamesKey, Value = JsonSerializer.Serialize(metadata.ClassNames) });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = InputTransformsKey, Value = JsonSerializer.Serialize(transforms.Select(t => t.Kind)) });
        return onnx;
    }
}
