using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data;

public class DataLoaderTests
{
    // Sample i has input row [i, i] and target i, so a batch tells which samples it holds.
    private static (Tensor X, Tensor Y) Numbered(long n) =>
        (arange(n, dtype: ScalarType.Float32).unsqueeze(1).expand(n, 2).contiguous(), arange(n, dtype: ScalarType.Int64));

    // A dataset that is not a TensorDataset, so loaders over it take the general path.
    private sealed class NumberedDataset(long count) : IDataset<Sample>
    {
        public long Count => count;

        public int Reads { get; private set; }

        public Sample this[long index]
        {
            get
            {
                Reads++;
                return new Sample(tensor(new float[] { index, index }), tensor(index));
            }
        }
    }

    // Runs one epoch the way the learner does: a dispose scope per batch around MoveNext.
    private static List<long[]> Epoch(DataLoader dl)
    {
        var batches = new List<long[]>();
        using IEnumerator<Batch> e = dl.GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope();
            if (!e.MoveNext())
            {
                break;
            }

            Assert.Equal(e.Current.Y.shape[0], e.Current.X.shape[0]);
            Assert.True(e.Current.X[.., 0].to(ScalarType.Int64).equal(e.Current.Y).all().item<bool>(), "inputs and targets stay paired");
            batches.Add(e.Current.Y.data<long>().ToArray());
        }

        return batches;
    }

    public static TheoryData<bool, bool> Paths() => new() { { true, false }, { true, true }, { false, false }, { false, true } };

    private static DataLoader Loader(bool inMemory, bool shuffle, long n, int bs, Generator? g, Tensor x, Tensor y)
    {
        Sampler? sampler = shuffle ? new RandomSampler(n, g) : null;
        return inMemory ? new DataLoader(new TensorDataset(x, y), bs, sampler) : DataLoader.FromDataset(new NumberedDataset(n), bs, sampler);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_sample_is_seen_once_per_epoch_and_only_the_last_batch_is_smaller(bool inMemory, bool shuffle)
    {
        (Tensor x, Tensor y) = Numbered(10);
        using var gen = new Generator(1);
        using DataLoader dl = Loader(inMemory, shuffle, 10, 4, gen, x, y);

        for (int epoch = 0; epoch < 2; epoch++)
        {
            List<long[]> batches = Epoch(dl);

            Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Length));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b).Order());
        }

        Assert.Equal(3, dl.Count);
        Assert.Equal(10, dl.Length);
        Assert.Equal(inMemory, dl.IsInMemory);
    }

    [Fact]
    public void Shuffled_epochs_differ_and_sequential_epochs_keep_the_stored_order()
    {
        (Tensor x, Tensor y) = Numbered(64);
        using var gen = new Generator(9);
        using var shuffled = new DataLoader(x, y, batchSize: 64, shuffle: true, generator: gen);
        using var sequential = new DataLoader(x, y, batchSize: 64);

        Assert.NotEqual(Epoch(shuffled)[0], Epoch(shuffled)[0]);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i), Epoch(sequential)[0]);
    }

    [Fact]
    public void The_general_path_visits_samples_in_the_same_order_as_the_fast_path()
    {
        (Tensor x, Tensor y) = Numbered(23);
        using var g1 = new Generator(77);
        using var g2 = new Generator(77);
        using var fast = new DataLoader(x, y, batchSize: 5, shuffle: true, generator: g1);
        var dataset = new NumberedDataset(23);
        using DataLoader general = DataLoader.FromDataset(dataset, batchSize: 5, new RandomSampler(23, g2));

        Assert.Equal(Epoch(fast).SelectMany(b => b), Epoch(general).SelectMany(b => b));
        Assert.Equal(23, dataset.Reads);
    }

    [Fact]
    public void A_custom_collate_builds_the_batches_of_the_general_path()
    {
        var dataset = new NumberedDataset(6);
        using DataLoader dl = DataLoader.FromDataset(dataset, 4, samples => new Batch(
            stack(samples.Select(s => s.X).ToArray()),
            stack(samples.Select(s => s.Y).ToArray())));

        Assert.Equal(new[] { new long[] { 0, 1, 2, 3 }, new long[] { 4, 5 } }, Epoch(dl));
    }

    [Fact]
    public void The_fast_path_makes_no_per_sample_tensors()
    {
        using var gen = new Generator(2);

        long TensorsPerEpoch(long n, int bs)
        {
            (Tensor x, Tensor y) = Numbered(n);
            using var dl = new DataLoader(x, y, bs, shuffle: true, generator: gen);
            Epoch(dl); // warm
            var stats = DisposeScopeManager.Statistics;
            long before = stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount;
            Assert.Equal(4, CountBatches(dl));
            return stats.CreatedInScopeCount + stats.CreatedOutsideScopeCount - before;
        }

        // Four batches of 2 samples cost what four batches of 64 do.
        Assert.Equal(TensorsPerEpoch(8, 2), TensorsPerEpoch(256, 64));
    }

    private static int CountBatches(DataLoader dl)
    {
        int count = 0;
        using IEnumerator<Batch> e = dl.GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope();
            if (!e.MoveNext())
            {
                return count;
            }

            count++;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Live_tensors_do_not_grow_across_epochs(bool inMemory)
    {
        (Tensor x, Tensor y) = Numbered(50);
        using var gen = new Generator(4);
        using DataLoader dl = Loader(inMemory, shuffle: true, 50, 8, gen, x, y);
        Epoch(dl); // warm

        long baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int epoch = 0; epoch < 3; epoch++)
        {
            Epoch(dl);
            Assert.Equal(baseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void An_abandoned_epoch_releases_its_order_when_the_enumerator_is_disposed()
    {
        (Tensor x, Tensor y) = Numbered(50);
        using var gen = new Generator(4);
        using var dl = new DataLoader(x, y, 8, shuffle: true, generator: gen);
        long baseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (IEnumerator<Batch> e = dl.GetEnumerator())
        {
            using var scope = NewDisposeScope();
            e.MoveNext();
        }

        Assert.Equal(baseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_resumed_epoch_draws_the_interrupted_epoch_order()
    {
        (Tensor x, Tensor y) = Numbered(40);
        using var gen = new Generator(21);
        using var dl = new DataLoader(x, y, 8, shuffle: true, generator: gen);
        Epoch(dl);

        // Interrupted after one batch of the second epoch: a checkpoint keeps the shuffle state.
        byte[] midEpoch;
        long[] interruptedFirstBatch;
        using (IEnumerator<Batch> e = dl.GetEnumerator())
        {
            using var scope = NewDisposeScope();
            e.MoveNext();
            interruptedFirstBatch = e.Current.Y.data<long>().ToArray();
            midEpoch = dl.GetShuffleState()!;
        }

        byte[] betweenEpochs = dl.GetShuffleState()!;
        List<long[]> third = Epoch(dl);

        dl.SetShuffleState(midEpoch);
        Assert.Equal(interruptedFirstBatch, Epoch(dl)[0]);
        dl.SetShuffleState(betweenEpochs);
        Assert.Equal(third, Epoch(dl));
    }

    [Fact]
    public void A_sequential_loader_has_no_shuffle_state()
    {
        (Tensor x, Tensor y) = Numbered(4);
        using var dl = new DataLoader(x, y, 2);

        Assert.Null(dl.GetShuffleState());
        Assert.Throws<InvalidOperationException>(() => dl.SetShuffleState(new byte[1]));
    }

    [Fact]
    public void Moving_to_a_device_copies_the_tensors_once_and_the_copies_belong_to_the_new_loader()
    {
        (Tensor x, Tensor y) = Numbered(6);
        var dl = new DataLoader(x, y, 4);
        DataLoader moved = dl.To(CPU);

        Assert.NotSame(x, moved.Inputs);
        Assert.Equal(DeviceType.CPU, moved.Device!.type);
        Assert.Equal(new[] { new long[] { 0, 1, 2, 3 }, new long[] { 4, 5 } }, Epoch(moved));

        moved.Dispose();
        Assert.True(moved.Inputs.IsInvalid);
        Assert.False(x.IsInvalid, "the caller's tensors are not the loader's to release");
    }

    [Fact]
    public void A_general_path_loader_has_no_in_memory_tensors()
    {
        using DataLoader dl = DataLoader.FromDataset(new NumberedDataset(3), 2);

        var ex = Assert.Throws<InvalidOperationException>(() => dl.Inputs);
        Assert.Contains("sample by sample", ex.Message);
    }

    [Fact]
    public void A_sampler_of_another_length_is_refused()
    {
        (Tensor x, Tensor y) = Numbered(5);

        var ex = Assert.Throws<ArgumentException>(() => new DataLoader(new TensorDataset(x, y), 2, new SequentialSampler(4)));
        Assert.Contains("4 indices", ex.Message);
    }

    [Fact]
    public void Inputs_and_targets_of_different_lengths_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DataLoader(zeros(5, 2), zeros(4), 2));
        Assert.Contains("5 samples", ex.Message);
    }

    [Fact]
    public void A_data_bunch_shuffles_training_and_validates_in_order_with_twice_the_batch_size()
    {
        (Tensor x, Tensor y) = Numbered(30);
        using var gen = new Generator(8);
        using DataBunch bunch = DataBunch.FromTensors(x, y, x, y, batchSize: 5, generator: gen, device: CPU);

        Assert.True(bunch.Train.Shuffle);
        Assert.Same(gen, bunch.Train.Generator);
        Assert.False(bunch.Valid.Shuffle);
        Assert.Equal(10, bunch.Valid.BatchSize);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), Epoch(bunch.Valid).SelectMany(b => b));
        Assert.NotEqual(Enumerable.Range(0, 30).Select(i => (long)i), Epoch(bunch.Train).SelectMany(b => b));
    }

    [Fact]
    public void A_data_bunch_over_datasets_uses_the_general_path()
    {
        using DataBunch bunch = DataBunch.FromDatasets(new NumberedDataset(12), new NumberedDataset(4), batchSize: 3);

        Assert.False(bunch.Train.IsInMemory);
        Assert.Equal(4, bunch.Train.Count);
        Assert.Single(Epoch(bunch.Valid));
    }

    [Fact]
    public void Collate_stacks_samples_along_a_new_first_dimension()
    {
        using var scope = NewDisposeScope();
        Batch b = Collate.Stack([new Sample(zeros(3, 2), tensor(1L)), new Sample(ones(3, 2), tensor(2L))]);

        Assert.Equal(new long[] { 2, 3, 2 }, b.X.shape);
        Assert.Equal(new long[] { 1, 2 }, b.Y.data<long>().ToArray());
    }
}
