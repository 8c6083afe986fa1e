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

    /// <summary>The number of samples of the dataset the sampler draws from.</summary>
    public long Length { get; }

    /// <summary>
    /// The number of indices <see cref="NextEpoch"/> draws: <see cref="Length"/>, or fewer for a sampler
    /// that draws a shard (<see cref="Distributed.DistributedSampler"/>).
    /// </summary>
    public virtual long EpochLength => Length;

    /// <summary>The random sampler whose generator decides the order (this one, the one a shard is cut from), or null when the order is fixed.</summary>
    internal virtual RandomSampler? RandomSource => this as RandomSampler;

    /// <summary>
    /// Draws the order of the next epoch: an int64 CPU tensor of <see cref="EpochLength"/> indices, each
    /// in [0, <see cref="Length"/>) at most once, created in the caller's current dispose scope.
    /// </summary>
    public abstract Tensor NextEpoch();

    /// <summary>Draws the order of the next epoch as an array (convenient for the general path and tests).</summary>
    public long[] NextEpochIndices()
    {
        using Tensor order = NextEpoch();
        return order.data<long>().ToArray();
    }
}
