using CallbackGen.Inference;

namespace CallbackGen;

/// <content>Export for inference.</content>
public sealed partial class Learner
{
    /// <summary>
    /// Writes one file with what inference needs: the model's weights, the input transforms of the
    /// attached callbacks that are data (<see cref="IExportableTransform"/>, such as a
    /// <see cref="BatchTransform"/> built with <see cref="BatchTransform.Of"/>), in the order they run,
    /// the class names and a model name and version. <see cref="InferenceModel.Load"/> reads it back with
    /// only the model's constructor. Written atomically (a temporary file renamed over the target).
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="modelName">A name for the model (for example its architecture).</param>
    /// <param name="modelVersion">A version for the model.</param>
    /// <param name="classNames">The class names by class index; null for none.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">
    /// An attached <see cref="BatchTransform"/> (or other <see cref="IExportableTransform"/>) was built from
    /// functions, so inference could not reproduce it; the message names it.
    /// </exception>
    /// <example>
    /// <code>
    /// learn.Export("model.export", modelName: "mlp", modelVersion: "1", classNames: new[] { "no", "yes" });
    /// </code>
    /// </example>
    public string Export(string path, string modelName = "", string modelVersion = "", IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (running)
        {
            throw new InvalidOperationException("Export cannot be called while the learner is running (from a callback handler).");
        }

        List<ExportedTransform> steps = ExportedSteps();
        string full = Path.GetFullPath(path);
        ExportFormat.Write(full, new ExportMetadata(modelName ?? "", modelVersion ?? "", classNames?.ToArray() ?? Array.Empty<string>()), Model, steps);
        return full;
    }

    /// <summary>The attached input transforms as data, in the order BeforeBatch runs them; refuses one built from functions.</summary>
    private List<ExportedTransform> ExportedSteps()
    {
        // The order in which BeforeBatch runs them: by handler order, ties in the order added.
        var steps = new List<ExportedTransform>();
        foreach (Callback cb in callbacks.Where(c => c is IExportableTransform).OrderBy(c => c.OrderOf(Event.BeforeBatch)))
        {
            IReadOnlyList<ExportedTransform> exported = ((IExportableTransform)cb).ExportTransforms() ?? throw new InvalidOperationException(
                $"Cannot export: the attached {cb.Name} was built from functions, which an export cannot hold; build it from data with BatchTransform.Of(ExportedTransform.ForNormalize(…), ExportedTransform.ForReshape(…)) or detach it.");
            steps.AddRange(exported);
        }

        return steps;
    }
}
