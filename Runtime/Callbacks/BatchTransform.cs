using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Applies functions to each batch's inputs and targets on the device, before any other
/// <c>BeforeBatch</c> handler sees them (order −5, after TrainEval's −10): normalisation,
/// reshaping a flat image to 1×28×28, casting. Tensors the functions create live in the loop's
/// per-batch dispose scope.
/// </summary>
/// <example><code>
/// var toImage = new BatchTransform(x => ((x - mean) / std).view(-1, 1, 28, 28));
/// learn.Fit(3, cbs: new[] { toImage });
/// </code></example>
[Callback(Order = -5)]
public sealed partial class BatchTransform : Callback
{
    private readonly Func<Tensor, Tensor>? x;
    private readonly Func<Tensor, Tensor>? y;

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
