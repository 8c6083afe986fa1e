using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>Visits the samples in their stored order, every epoch (used for validation).</summary>
public sealed class SequentialSampler : Sampler
{
    /// <summary>Creates a sampler over <paramref name="length"/> samples.</summary>
    /// <param name="length">The number of samples.</param>
    public SequentialSampler(long length)
        : base(length)
    {
    }

    /// <inheritdoc/>
    public override Tensor NextEpoch()
    {
        using var s = new HeldScalars();
        return arange(s.Of(0L), s.Of(Length), s.One, dtype: ScalarType.Int64, device: CPU);
    }
}
