using CallbackGen.Data;
using CallbackGen.Distributed;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Distributed;

/// <summary>Rank r of w takes positions r, r + w, … of the epoch's order, as PyTorch's DistributedSampler does.</summary>
public sealed class DistributedSamplerTests
{
    [Theory]
    [InlineData(10, 2)]
    [InlineData(11, 2)]
    [InlineData(11, 3)]
    public void Shards_without_dropping_are_disjoint_and_cover_the_order_once(int n, int w)
    {
        long[] order = new SequentialSampler(n).NextEpochIndices();
        long[][] shards = Enumerable.Range(0, w).Select(r => new DistributedSampler(new SequentialSampler(n), r, w, dropTail: false).NextEpochIndices()).ToArray();

        for (int r = 0; r < w; r++)
        {
            Assert.Equal(order.Where((_, i) => i % w == r), shards[r]);
        }

        Assert.Equal(order, shards.SelectMany(s => s).Order());
    }

    [Fact]
    public void Dropping_the_tail_gives_every_rank_the_same_count_and_skips_fewer_than_w_samples()
    {
        long[][] shards = Enumerable.Range(0, 3).Select(r => new DistributedSampler(new SequentialSampler(11), r, 3, dropTail: true).NextEpochIndices()).ToArray();

        Assert.All(shards, s => Assert.Equal(3, s.Length));
        Assert.Equal(9, shards.SelectMany(s => s).Distinct().Count());
        Assert.Equal(new long[] { 0, 3, 6 }, shards[0]);
        Assert.Equal(new long[] { 2, 5, 8 }, shards[2]);
    }

    [Fact]
    public void Batch_k_of_every_rank_together_is_batch_k_of_one_process_with_w_times_the_batch()
    {
        using Tensor x = arange(96L, dtype: ScalarType.Float32).unsqueeze(1);
        using Tensor y = arange(96L);
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        using var g3 = new Generator(7);
        using var whole = DataBunch.FromTensors(x, y, x, y, batchSize: 32, generator: g1);
        DataBunch rank0 = DataBunch.FromTensors(x, y, x, y, batchSize: 32, generator: g2).Shard(0, 2);
        DataBunch rank1 = DataBunch.FromTensors(x, y, x, y, batchSize: 32, generator: g3).Shard(1, 2);

        List<long[]> one = Targets(whole.Train);
        List<long[]> r0 = Targets(rank0.Train);
        List<long[]> r1 = Targets(rank1.Train);

        Assert.Equal(3, one.Count);
        Assert.Equal(3, r0.Count);
        Assert.All(r0, b => Assert.Equal(16, b.Length));
        for (int k = 0; k < one.Count; k++)
        {
            Assert.Equal(one[k].Order(), r0[k].Concat(r1[k]).Order());
        }

        // The shards keep the generator's state for checkpoints, as the whole loader does.
        Assert.Equal(whole.Train.GetShuffleState(), rank0.Train.GetShuffleState());
        // Validation visits every sample once across the ranks, in batches of ⌈64 / 2⌉.
        Assert.Equal(32, rank0.Valid.BatchSize);
        Assert.Equal(Enumerable.Range(0, 96).Select(i => (long)i), Targets(rank0.Valid).Concat(Targets(rank1.Valid)).SelectMany(b => b).Order());
    }

    [Fact]
    public void A_global_batch_that_the_ranks_cannot_share_evenly_is_refused_with_a_suggestion()
    {
        using Tensor x = zeros(10, 1);
        using Tensor y = zeros(10, dtype: ScalarType.Int64);
        using var data = DataBunch.FromTensors(x, y, x, y, batchSize: 5);

        var ex = Assert.Throws<ArgumentException>(() => data.Shard(0, 2));
        Assert.Contains("batch size 5 is the global batch and must be a multiple of the 2 ranks", ex.Message);
    }

    private static List<long[]> Targets(DataLoader dl)
    {
        var batches = new List<long[]>();
        foreach (Batch b in dl)
        {
            batches.Add(b.Y.data<long>().ToArray());
        }

        return batches;
    }
}
