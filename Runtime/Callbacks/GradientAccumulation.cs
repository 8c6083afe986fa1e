using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Accumulates gradients over <see cref="Batches"/> training batches and steps once, with the loss
/// scaled by 1/group size so that the update equals one batch that many times larger (fastai's
/// version forgot the scaling). Counts batches, not samples. Groups restart every epoch, and the
/// last group of an epoch may be smaller (it is scaled by its own size), so no gradient is ever
/// carried across an epoch boundary or a checkpoint.
/// </summary>
/// <remarks>
/// The scaled loss is used only for backward: the learner's <c>Loss</c> is put back afterwards,
/// so metrics and the recorder see the true loss. Batches that do not step end with
/// <see cref="CancelBatchException"/> (no step, no zero-grad), the loop's documented way to skip.
/// </remarks>
/// <example><code>learn.Fit(5, cbs: new[] { new GradientAccumulation(4) }); // batch size 16 trains like 64</code></example>
public sealed partial class GradientAccumulation : Callback
{
    // The current batch's loss before scaling; lives for one batch.
    [Transient] private Tensor? unscaled;

    /// <summary>Creates the callback.</summary>
    /// <param name="batches">Batches per optimiser step (≥ 1).</param>
    public GradientAccumulation(int batches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        Batches = batches;
    }

    /// <summary>Batches per optimiser step.</summary>
    public int Batches { get; }

    [Callback]
    private void BeforeBackward()
    {
        int groupStart = Iter - (Iter % Batches);
        int groupSize = Math.Min(Batches, NIter - groupStart);
        unscaled = Loss;
        if (groupSize > 1)
        {
            // Created in the loop's per-batch dispose scope, like the loss itself.
            using Scalar size = ((long)groupSize).ToScalar();
            Loss = Loss.div(size);
        }
    }

    [Callback]
    private void AfterBackward()
    {
        if (unscaled is not null)
        {
            Loss = unscaled;
            unscaled = null;
        }

        bool lastOfGroup = Iter % Batches == Batches - 1 || Iter == NIter - 1;
        if (!lastOfGroup)
        {
            throw new CancelBatchException();
        }
    }
}
