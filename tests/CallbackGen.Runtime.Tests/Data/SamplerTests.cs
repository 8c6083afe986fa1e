using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data;

// One test seeds torch's process-wide generator: it must not run while other tests draw from it.
[Collection(GlobalRngCollection.Name)]
public class SamplerTests
{
    private static long[] Orders(ulong seed, int epochs, long length = 50)
    {
        using var generator = new Generator(seed);
        var sampler = new RandomSampler(length, generator);
        return Enumerable.Range(0, epochs).SelectMany(_ => sampler.NextEpochIndices()).ToArray();
    }

    [Fact]
    public void The_same_seed_gives_the_same_orders()
    {
        Assert.Equal(Orders(seed: 42, epochs: 3), Orders(seed: 42, epochs: 3));
    }

    [Fact]
    public void A_different_seed_gives_a_different_order()
    {
        Assert.NotEqual(Orders(seed: 42, epochs: 1), Orders(seed: 43, epochs: 1));
    }

    [Fact]
    public void Each_epoch_is_a_new_permutation_of_all_indices()
    {
        long[] both = Orders(seed: 5, epochs: 2);
        long[] first = both[..50];
        long[] second = both[50..];

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), second.Order());
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void The_sequential_sampler_keeps_the_stored_order()
    {
        Assert.Equal(new long[] { 0, 1, 2, 3 }, new SequentialSampler(4).NextEpochIndices());
    }

    [Fact]
    public void Without_a_generator_the_order_follows_torch_manual_seed()
    {
        var sampler = new RandomSampler(30);

        manual_seed(11);
        long[] a = sampler.NextEpochIndices();
        manual_seed(11);
        long[] b = sampler.NextEpochIndices();

        Assert.Equal(a, b);
    }

    [Fact]
    public void Restoring_the_epoch_start_state_repeats_that_epoch_order()
    {
        using var generator = new Generator(3);
        var sampler = new RandomSampler(40, generator);
        sampler.NextEpochIndices();
        long[] second = sampler.NextEpochIndices();
        byte[] secondStart = sampler.EpochStartState!;
        byte[] afterSecond = sampler.GetState();
        long[] third = sampler.NextEpochIndices();

        sampler.SetState(secondStart);
        Assert.Equal(second, sampler.NextEpochIndices());
        sampler.SetState(afterSecond);
        Assert.Equal(third, sampler.NextEpochIndices());
    }

    [Fact]
    public void A_state_of_the_wrong_size_is_refused()
    {
        using var generator = new Generator(3);
        var sampler = new RandomSampler(4, generator);

        var ex = Assert.Throws<ArgumentException>(() => sampler.SetState(new byte[3]));
        Assert.Contains("has 3", ex.Message);
    }
}
