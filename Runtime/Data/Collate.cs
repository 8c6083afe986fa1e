using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>Ways to turn a list of samples into one batch (the lesson's <c>collate</c>).</summary>
public static class Collate
{
    /// <summary>
    /// Stacks the samples' inputs and targets along a new first dimension. The batch tensors are
    /// created in the caller's current dispose scope.
    /// </summary>
    /// <param name="samples">At least one sample; all inputs (and all targets) have the same shape.</param>
    public static Batch Stack(IReadOnlyList<Sample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("Cannot collate an empty list of samples.", nameof(samples));
        }

        var xs = new Tensor[samples.Count];
        var ys = new Tensor[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            xs[i] = samples[i].X;
            ys[i] = samples[i].Y;
        }

        return new Batch(stack(xs), stack(ys));
    }
}
