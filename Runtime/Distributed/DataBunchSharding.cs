using CallbackGen.Data;

namespace CallbackGen.Distributed;

/// <summary>Cuts a <see cref="DataBunch"/> into this rank's share of every epoch.</summary>
public static class DataBunchSharding
{
    /// <summary>
    /// This rank's loaders over the same data: the training loader draws the same seeded order on
    /// every rank and takes this rank's positions of it (<see cref="DistributedSampler"/>, tail
    /// dropped so every rank steps together), in batches of <c>Train.BatchSize / world.Size</c>, so
    /// the batch size of <paramref name="data"/> stays the global one; the validation loader visits
    /// every sample once across the ranks, in batches of <c>⌈Valid.BatchSize / world.Size⌉</c>.
    /// The returned loaders read <paramref name="data"/>'s tensors or datasets without owning them:
    /// keep <paramref name="data"/> until training ends.
    /// </summary>
    /// <param name="data">The whole data, with the global batch sizes; its training loader shuffles with a seeded generator.</param>
    /// <param name="world">The MPI job.</param>
    /// <exception cref="ArgumentException">The training batch size is not a multiple of the number of ranks.</exception>
    public static DataBunch Shard(this DataBunch data, MpiWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return Shard(data, world.Rank, world.Size);
    }

    /// <summary>As <see cref="Shard(DataBunch, MpiWorld)"/>, for rank <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    /// <param name="data">The whole data, with the global batch sizes.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="worldSize">The number of ranks.</param>
    public static DataBunch Shard(this DataBunch data, int rank, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Train.BatchSize % worldSize != 0)
        {
            throw new ArgumentException(
                $"The training batch size {data.Train.BatchSize} is the global batch and must be a multiple of the {worldSize} ranks (each takes batch size / ranks); use for example {data.Train.BatchSize / worldSize * worldSize + worldSize}.",
                nameof(data));
        }

        DataLoader train = data.Train.WithSampler(new DistributedSampler(data.Train.Sampler, rank, worldSize, dropTail: true), data.Train.BatchSize / worldSize);
        DataLoader valid = data.Valid.WithSampler(new DistributedSampler(data.Valid.Sampler, rank, worldSize, dropTail: false), (data.Valid.BatchSize + worldSize - 1) / worldSize);
        return new DataBunch(train, valid);
    }
}
