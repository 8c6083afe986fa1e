using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Distributed;

/// <summary>
/// One rank's shard of another sampler's epochs, as PyTorch's <c>DistributedSampler</c> cuts it: rank
/// <c>r</c> of <c>w</c> takes positions <c>r, r + w, r + 2w, …</c> of the epoch's order. Every rank
/// draws the same order (the same seeded generator), so the shards are disjoint, and batch <c>k</c> of
/// every rank together (batch size <c>b</c> each) is batch <c>k</c> of one process with batch size
/// <c>w × b</c>.
/// </summary>
/// <remarks>
/// With <c>dropTail</c> (training) the last <c>N mod w</c> positions of each epoch's order are
/// left out, so every rank has the same number of samples and of batches (a step is a collective:
/// every rank must take part in it). Fewer than <c>w</c> samples are skipped per epoch, different ones
/// each epoch. Without it (validation) every sample is visited once and shards differ by at most one sample.
/// </remarks>
public sealed class DistributedSampler : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="inner">The sampler whose order is cut (a <see cref="RandomSampler"/> with the same seed on every rank, or a <see cref="SequentialSampler"/>).</param>
    /// <param name="rank">This rank, from 0.</param>
    /// <param name="worldSize">The number of ranks.</param>
    /// <param name="dropTail">Leave out the last <c>N mod w</c> positions so every rank gets the same count (training).</param>
    public DistributedSampler(Sampler inner, int rank, int worldSize, bool dropTail)
        : base((inner ?? throw new ArgumentNullException(nameof(inner))).Length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        if (inner.EpochLength < worldSize)
        {
            throw new ArgumentException($"The sampler draws {inner.EpochLength} samples per epoch, fewer than the {worldSize} ranks that share them.", nameof(inner));
        }

        Inner = inner;
        Rank = rank;
        WorldSize = worldSize;
        DropTail = dropTail;
    }

    /// <summary>The sampler whose order is cut.</summary>
    public Sampler Inner { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>Whether the last <c>N mod w</c> positions are left out.</summary>
    public bool DropTail { get; }

    /// <inheritdoc/>
    public override long EpochLength => ShardLength(Inner.EpochLength, Rank, WorldSize, DropTail);

    /// <inheritdoc/>
    internal override RandomSampler? RandomSource => Inner.RandomSource;

    /// <summary>The number of positions rank <paramref name="rank"/> of <paramref name="worldSize"/> takes from an order of <paramref name="n"/>.</summary>
    internal static long ShardLength(long n, int rank, int worldSize, bool dropTail) =>
        dropTail ? n / worldSize : (n - rank + worldSize - 1) / worldSize;

    /// <inheritdoc/>
    public override Tensor NextEpoch()
    {
        // The inner order is drawn whole, so the shuffle generator advances as in one process.
        using Tensor order = Inner.NextEpoch();
        long length = EpochLength;
        return order.narrow(0, Rank, (length - 1) * WorldSize + 1).slice(0, 0, (length - 1) * WorldSize + 1, WorldSize).contiguous();
    }
}
