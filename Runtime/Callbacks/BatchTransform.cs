using CallbackGen.Inference;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Applies functions to each batch's inputs and targets on the device, before any other
/// <c>BeforeBatch</c> handler sees them (<see cref="CallbackOrder.BatchTransform"/>, after <see cref="CallbackOrder.TrainEval"/>): normalisation,
/// reshaping a flat image to 1×28×28, casting. Tensors the functions create live in the loop's
/// per-batch dispose scope.
/// </summary>
/// <remarks>
/// Built from functions it runs any code but cannot be exported; built from data with
/// <see cref="Of"/> (normalisation, reshaping) it is an <see cref="IExportableTransform"/>, so
/// <see cref="Learner.Export"/> records it and an <see cref="InferenceModel"/> applies it to raw inputs.
/// </remarks>
/// <example><code>
/// var toImage = new BatchTransform(x => ((x - 0.28f) / 0.35f).view(-1, 1, 28, 28));
/// var exportable = BatchTransform.Of(
///     CallbackGen.Inference.ExportedTransform.ForNormalize(tensor(0.28f), tensor(0.35f)),
///     CallbackGen.Inference.ExportedTransform.ForReshape(-1, 1, 28, 28));
/// learn.Fit(3, cbs: new[] { exportable });
/// </code></example>
[Callback(Order = CallbackOrder.BatchTransform)]
public sealed partial class BatchTransform : Callback, IExportableTransform
{
    private readonly Func<Tensor, Tensor>? x;
    private readonly Func<Tensor, Tensor>? y;
    private readonly IReadOnlyList<ExportedTransform>? steps;

    /// <summary>Creates the transform; either function may be null (leave that side as it is).</summary>
    /// <param name="x">Applied to the inputs.</param>
    /// <param name="y">Applied to the targets.</param>
    public BatchTransform(Func<Tensor, Tensor>? x, Func<Tensor, Tensor>? y = null)
    {
        if (x is null && y is null)
        {
            throw new ArgumentException("Give a function for the inputs, the targets or both.", nameof(x));
        }

        this.x = x;
        this.y = y;
    }

    private BatchTransform(TransformPipeline pipeline)
    {
        x = pipeline.Apply;
        steps = pipeline.Transforms;
    }

    /// <summary>
    /// A transform of the inputs made of steps that are data (<see cref="ExportedTransform.ForNormalize"/>,
    /// <see cref="ExportedTransform.ForReshape"/>), applied in order; it can be exported.
    /// </summary>
    /// <param name="steps">The steps, at least one.</param>
    /// <exception cref="InvalidDataException">A step's kind is not built in.</exception>
    public static BatchTransform Of(params ExportedTransform[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0)
        {
            throw new ArgumentException("Give at least one step.", nameof(steps));
        }

        return new BatchTransform(new TransformPipeline(steps.ToArray()));
    }

    /// <inheritdoc/>
    public IReadOnlyList<ExportedTransform>? ExportTransforms() => steps;

    [Callback]
    private void BeforeBatch()
    {
        if (x is not null)
        {
            Xb = x(Xb) ?? throw new InvalidOperationException("The BatchTransform input function returned null.");
        }

        if (y is not null)
        {
            Yb = y(Yb) ?? throw new InvalidOperationException("The BatchTransform target function returned null.");
        }
    }
}
