using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Decides the order in which a <see cref="DataLoader"/> visits the samples, one epoch at a time
/// (the lesson's <c>Sampler</c>).
/// </summary>
public abstract class Sampler
{
    /// <summary>Creates a sampler over <paramref name="length"/> samples.</summary>
    /// <param name="length">The number of samples; not negative.</param>
    protected Sampler(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    /// <summary>The number of samples (and indices per epoch).</summary>
    public long Length { get; }

    /// <summary>
    /// Draws the order of the next epoch: an int64 CPU tensor of <see cref="Length"/> indices, each
    /// in [0, <see cref="Length"/>) exactly once, created in the caller's current dispose scope.
    /// </summary>
    public abstract Tensor NextEpoch();

    /// <summary>Draws the order of the next epoch as an array (convenient for the general path and tests).</summary>
    public long[] NextEpochIndices()
    {
        using Tensor order = NextEpoch();
        return order.data<long>().ToArray();
    }
}
