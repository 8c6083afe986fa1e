namespace CallbackGen.Inference;

/// <summary>
/// A batch transform whose parameters are data, so that <see cref="Learner.Export"/> can record it and
/// <see cref="InferenceModel"/> can apply it to raw inputs without the learner or the code that built it.
/// </summary>
/// <remarks>
/// A transform describes itself as an <see cref="ExportedTransform"/>: a kind that an inference
/// model knows how to apply (<see cref="ExportedTransform.Normalize"/>, <see cref="ExportedTransform.Reshape"/>,
/// or a kind registered with <see cref="InferenceModel.Load"/>) and its parameters as tensors and numbers.
/// A transform that changes only training batches (augmentation, MixUp) is not part of inference and
/// does not implement this interface.
/// </remarks>
/// <example>
/// <code>
/// public sealed partial class Scale(float factor) : Callback, CallbackGen.Inference.IExportableTransform
/// {
///     [Callback(Order = -5)] private void BeforeBatch() => Xb = Xb * factor;
///     public IReadOnlyList&lt;CallbackGen.Inference.ExportedTransform&gt; ExportTransforms() =&gt;
///         new[] { new CallbackGen.Inference.ExportedTransform("scale", numbers: new Dictionary&lt;string, double[]&gt; { ["factor"] = new double[] { factor } }) };
/// }
/// </code>
/// </example>
public interface IExportableTransform
{
    /// <summary>
    /// The steps this transform applies to the inputs, in order, as data; null when its parameters
    /// are not data (a function), which makes <see cref="Learner.Export"/> refuse to export.
    /// </summary>
    IReadOnlyList<ExportedTransform>? ExportTransforms();
}
