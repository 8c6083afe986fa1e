using System.Globalization;
using CallbackGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// A model loaded from an export (<see cref="Learner.Export"/>) that predicts on raw inputs: it applies
/// the exported input transforms (normalisation, reshaping), runs the model in eval mode without
/// gradients and decodes classes with the exported class names. Needs only the model's constructor —
/// no learner, no data, no training code.
/// </summary>
/// <example>
/// <code>
/// using var model = CallbackGen.Inference.InferenceModel.Load("model.export", () => nn.Sequential(("hidden", nn.Linear(784, 256)), ("relu", nn.ReLU()), ("head", nn.Linear(256, 10))));
/// foreach (var p in model.PredictClasses(rand(2, 784))) Console.WriteLine($"{p.Name} ({p.Probability:P0})");
/// </code>
/// </example>
public sealed class InferenceModel : IDisposable
{
    private readonly TransformPipeline transforms;

    private InferenceModel(nn.Module<Tensor, Tensor> model, ExportMetadata metadata, TransformPipeline transforms, Device device)
    {
        Model = model;
        Metadata = metadata;
        this.transforms = transforms;
        Device = device;
    }

    /// <summary>The model, with the exported weights, in eval mode.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The model's name, version and class names.</summary>
    public ExportMetadata Metadata { get; }

    /// <summary>The input transforms, in the order they are applied.</summary>
    public IReadOnlyList<ExportedTransform> Transforms => transforms.Transforms;

    /// <summary>Where the model runs.</summary>
    public Device Device { get; }

    /// <summary>
    /// Loads an export: builds the model with <paramref name="createModel"/>, checks that its state
    /// dictionary has exactly the exported names, shapes and element types, reads the weights
    /// straight from the file into the model and prepares the transforms.
    /// </summary>
    /// <param name="path">The export file.</param>
    /// <param name="createModel">Builds the model with the architecture it was exported from (any initial weights).</param>
    /// <param name="device">Where to run; null for the CPU.</param>
    /// <param name="transformKinds">Factories for transform kinds other than the built-in ones, by kind.</param>
    /// <exception cref="CheckpointException">
    /// The file is not a complete export, a section of it is malformed or crafted, or the model does
    /// not fit it; the message names the file, the section and the tensor.
    /// </exception>
    public static InferenceModel Load(string path, Func<nn.Module<Tensor, Tensor>> createModel, Device? device = null,
        IReadOnlyDictionary<string, Func<ExportedTransform, Func<Tensor, Tensor>>>? transformKinds = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(createModel);
        var (file, meta, steps) = ExportFormat.Open(path);
        nn.Module<Tensor, Tensor>? model = null;
        try
        {
            using (file)
            {
                model = createModel() ?? throw new ArgumentException("createModel returned null.", nameof(createModel));
                ModelTensors.Load(file, ExportFormat.WeightsSection, model, "the export", problem => new CheckpointException(
                    $"Cannot load export '{path}' into {model.GetType().Name}: {problem}. Build the model with the architecture it was exported from.", path, ExportFormat.WeightsSection));
                Device dev = device ?? CPU;
                model.to(dev);
                model.eval();
                var pipeline = file.Guard(ExportFormat.MetaSection, () => new TransformPipeline(steps, transformKinds));
                return new InferenceModel(model, meta, pipeline, dev);
            }
        }
        catch
        {
            ExportFormat.Release(steps);
            model?.Dispose();
            throw;
        }
    }

    /// <summary>Reads an export's metadata only (to choose the architecture to build, for example).</summary>
    /// <param name="path">The export file.</param>
    /// <exception cref="CheckpointException">The file is not a complete export.</exception>
    public static ExportMetadata ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (file, meta, transforms) = ExportFormat.Open(path);
        file.Dispose();
        ExportFormat.Release(transforms);
        return meta;
    }

    /// <summary>The model's outputs for a batch of raw inputs (transforms applied), on the CPU; the caller owns them.</summary>
    /// <param name="raw">Inputs [batch, …] as the training data stored them (for example flat pixels in [0, 1]).</param>
    public Tensor Predict(Tensor raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using var noGrad = no_grad();
        using DisposeScope scope = NewDisposeScope();
        Tensor x = raw.to(Device);
        return Model.forward(transforms.Apply(x)).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>The decoded class of each input of a batch of raw inputs, with its probability and name.</summary>
    /// <param name="raw">Inputs [batch, …].</param>
    public IReadOnlyList<ClassPrediction> PredictClasses(Tensor raw)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor probs = Predict(raw).to_type(ScalarType.Float32).softmax(-1);
        Tensor best = probs.argmax(-1);
        long[] classes = best.data<long>().ToArray();
        float[] p = probs.gather(-1, best.unsqueeze(-1)).reshape(-1).data<float>().ToArray();
        return classes.Select((c, i) => new ClassPrediction((int)c, ClassName((int)c), p[i])).ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();

    private string ClassName(int c) =>
        c < Metadata.ClassNames.Count ? Metadata.ClassNames[c] : c.ToString(CultureInfo.InvariantCulture);
}
