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
    /// dictionary has exactly the exported names and shapes, loads the weights and prepares the transforms.
    /// </summary>
    /// <param name="path">The export file.</param>
    /// <param name="createModel">Builds the model with the architecture it was exported from (any initial weights).</param>
    /// <param name="device">Where to run; null for the CPU.</param>
    /// <param name="transformKinds">Factories for transform kinds other than the built-in ones, by kind.</param>
    /// <exception cref="InvalidDataException">The file is not a complete export, or the model does not fit it (the message names the tensor).</exception>
    public static InferenceModel Load(string path, Func<nn.Module<Tensor, Tensor>> createModel, Device? device = null,
        IReadOnlyDictionary<string, Func<ExportedTransform, Func<Tensor, Tensor>>>? transformKinds = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(createModel);
        var (meta, weights, steps) = ExportFormat.Read(path);
        nn.Module<Tensor, Tensor> model = createModel() ?? throw new ArgumentException("createModel returned null.", nameof(createModel));
        LoadWeights(path, model, weights);
        Device dev = device ?? CPU;
        model.to(dev);
        model.eval();
        return new InferenceModel(model, meta, new TransformPipeline(steps, transformKinds), dev);
    }

    /// <summary>Reads an export's metadata only (to choose the architecture to build, for example).</summary>
    /// <param name="path">The export file.</param>
    /// <exception cref="InvalidDataException">The file is not a complete export.</exception>
    public static ExportMetadata ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (meta, _, transforms) = ExportFormat.Read(path);
        foreach (ExportedTransform t in transforms)
        {
            foreach (Tensor tensor in t.Tensors.Values)
            {
                tensor.Dispose();
            }
        }

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

    private static void LoadWeights(string path, nn.Module model, List<TensorRecord> weights)
    {
        var state = model.state_dict();
        var stored = weights.ToDictionary(w => w.Name);
        string[] missing = state.Keys.Where(k => !stored.ContainsKey(k)).ToArray();
        string[] extra = stored.Keys.Where(k => !state.ContainsKey(k)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            throw new InvalidDataException($"Cannot load export '{path}' into {model.GetType().Name}: "
                + (missing.Length > 0 ? $"the model has {string.Join(", ", missing)} which the export lacks" : "")
                + (missing.Length > 0 && extra.Length > 0 ? "; " : "")
                + (extra.Length > 0 ? $"the export has {string.Join(", ", extra)} which the model lacks" : "")
                + ". Build the model with the architecture it was exported from.");
        }

        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            TensorRecord r = stored[name];
            if (!r.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"Cannot load export '{path}': tensor '{name}' is {r.ShapeText} in the export but [{string.Join(", ", target.shape)}] in the model.");
            }

            using Tensor value = r.ToTensor();
            target.copy_(value);
        }
    }
}
