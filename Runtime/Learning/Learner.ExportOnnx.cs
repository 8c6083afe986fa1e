using CallbackGen.Inference;
using CallbackGen.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <content>Export to ONNX.</content>
public sealed partial class Learner
{
    /// <summary>
    /// Writes the model and the attached input transforms as one ONNX model (<see cref="OnnxExporter"/>)
    /// that takes the same raw input as <see cref="Export"/>'s <see cref="InferenceModel"/>, with a dynamic
    /// batch dimension, and outputs <c>logits</c> and <c>probabilities</c>; the class names, model name and
    /// version are its metadata. Serve it with ONNX Runtime (no TorchSharp needed). Written atomically.
    /// </summary>
    /// <param name="path">The file to write (by convention <c>model.onnx</c>).</param>
    /// <param name="modelName">A name for the model.</param>
    /// <param name="modelVersion">A version for the model.</param>
    /// <param name="classNames">The class names by class index; null for none.</param>
    /// <param name="inputShape">One raw input's shape without the batch; null: the validation data's.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">An attached transform was built from functions (as <see cref="Export"/> refuses it).</exception>
    /// <exception cref="OnnxExportException">A module or a transform cannot be expressed in ONNX; the message names its path and type.</exception>
    /// <example>
    /// <code>
    /// learn.ExportOnnx("model.onnx", modelName: "mlp", modelVersion: "1", classNames: new[] { "no", "yes" });
    /// </code>
    /// </example>
    public string ExportOnnx(string path, string modelName = "", string modelVersion = "", IReadOnlyList<string>? classNames = null, IReadOnlyList<long>? inputShape = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (running)
        {
            throw new InvalidOperationException("ExportOnnx cannot be called while the learner is running (from a callback handler).");
        }

        List<ExportedTransform> steps = ExportedSteps();
        var metadata = new ExportMetadata(modelName ?? "", modelVersion ?? "", classNames?.ToArray() ?? Array.Empty<string>());
        return OnnxExporter.Write(path, Model, inputShape ?? RawInputShape(), steps, metadata, probabilities: true);
    }

    /// <summary>One raw validation input's shape: what the loader yields before the transforms run.</summary>
    private long[] RawInputShape()
    {
        if (Data.Valid.IsInMemory)
        {
            return Data.Valid.Inputs.shape[1..];
        }

        using DisposeScope scope = NewDisposeScope();
        foreach (Data.Batch batch in Data.Valid)
        {
            return batch.X.shape[1..];
        }

        throw new InvalidOperationException("ExportOnnx: the validation set is empty, so the input shape is unknown; pass inputShape.");
    }
}
