using System.Collections.Concurrent;
using CallbackGen.Data;
using CallbackGen.Runtime.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data;

public class PrefetchingLoaderTests
{
    // Sample i is ([i, i], i % 2); reading it may throw at one index; every tensor it makes is kept to check it was released.
    private sealed class Numbered(long count, long throwAt = -1) : IDataset<Sample>
    {
        public ConcurrentBag<Tensor> Made { get; } = [];

        public long Count => count;

        public Sample this[long index]
        {
            get
            {
                if (index == throwAt)
                {
                    throw new InvalidDataException($"sample {index} is broken");
                }

                var sample = new Sample(tensor(new float[] { index, index }), tensor(index % 2));
                Made.Add(sample.X);
                Made.Add(sample.Y);
                return sample;
            }
        }
    }

    private static DataLoader Loader(Numbered data, int workers, ulong seed, int batchSize = 4) =>
        DataLoader.FromDataset(data, batchSize, new RandomSampler(data.Count, new Generator(seed)), workers);

    // One epoch as the learner runs it (a dispose scope per batch); the batches' values and the tensors handed out.
    private static (List<float[]> Values, List<Tensor> Handed) Epoch(DataLoader dl, int stopAfter = int.MaxValue)
    {
        var values = new List<float[]>();
        var handed = new List<Tensor>();
        using IEnumerator<Batch> e = dl.GetEnumerator();
        while (values.Count < stopAfter)
        {
            using var scope = NewDisposeScope();
            if (!e.MoveNext())
            {
                break;
            }

            values.Add([.. e.Current.X.data<float>(), .. e.Current.Y.to_type(ScalarType.Float32).data<float>()]);
            handed.Add(e.Current.X);
            handed.Add(e.Current.Y);
        }

        return (values, handed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Prefetched_batches_equal_the_single_threaded_loaders_for_the_same_seed(int workers)
    {
        using DataLoader single = Loader(new Numbered(50), workers: 0, seed: 9);
        using DataLoader prefetched = Loader(new Numbered(50), workers, seed: 9);
        Assert.Equal(workers, prefetched.Workers);

        for (int epoch = 0; epoch < 2; epoch++)
        {
            Assert.Equal(Epoch(single).Values, Epoch(prefetched).Values);
        }

        // Sequential (validation) loaders too.
        using DataLoader sequential = DataLoader.FromDataset(new Numbered(10), 3, workers: 2);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), Epoch(sequential).Values.SelectMany(v => v.Take(v.Length * 2 / 3).Where((_, k) => k % 2 == 0)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_failing_sample_surfaces_on_the_enumerating_thread_with_its_index_and_no_worker_is_left(int workers)
    {
        var data = new Numbered(40, throwAt: 29);
        using DataLoader dl = Loader(data, workers, seed: 3);

        var error = Assert.Throws<DataLoaderException>(() => Epoch(dl));

        Assert.Equal(29, error.SampleIndex);
        Assert.IsType<InvalidDataException>(error.InnerException);
        Assert.Contains("Sample 29", error.Message, StringComparison.Ordinal);
        Assert.Contains("sample 29 is broken", error.Message, StringComparison.Ordinal);
        Assert.All(dl.StartedWorkers, t => Assert.False(t.IsAlive));
        Assert.Equal(workers == 0 ? 0 : workers, dl.StartedWorkers.Count);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    public void Every_tensor_made_for_an_epoch_is_released_by_its_end_also_when_it_stops_early(int stopAfter)
    {
        // TorchSharp counts live tensors per thread (a worker's tensor released here would count as -1 here),
        // so each tensor is checked instead: the samples and batches made on the workers, and the batches handed out.
        var data = new Numbered(64);
        var collated = new ConcurrentBag<Tensor>();
        using DataLoader dl = DataLoader.FromDataset(data, 4, samples =>
        {
            Batch b = Collate.Stack(samples);
            collated.Add(b.X);
            collated.Add(b.Y);
            return b;
        }, new RandomSampler(64, new Generator(1)), workers: 2);

        (List<float[]> values, List<Tensor> handed) = Epoch(dl, stopAfter);

        Assert.Equal(Math.Min(stopAfter, 16), values.Count);
        Assert.NotEmpty(data.Made);
        Assert.All(data.Made, t => Assert.True(t.IsInvalid));
        Assert.All(collated, t => Assert.True(t.IsInvalid));
        Assert.All(handed, t => Assert.True(t.IsInvalid));
        Assert.All(dl.StartedWorkers, t => Assert.False(t.IsAlive));
    }

    [Fact]
    public void A_fit_on_a_prefetching_loader_trains_like_the_single_threaded_one_and_leaves_no_thread()
    {
        var warnings = new List<string>();
        double Fit(int workers, out DataLoader train)
        {
            using var gen = new Generator().manual_seed(3);
            Tensor x = randn(new long[] { 48, 3 }, generator: gen);
            Tensor y = x[.., 0].gt(0).to_type(ScalarType.Int64);
            var trainSet = new Rows(x[..32], y[..32]);
            var validSet = new Rows(x[32..], y[32..]);
            using DataBunch data = DataBunch.FromDatasets(trainSet, validSet, batchSize: 8, generator: new Generator(5), workers: workers);
            train = data.Train;
            using var learn = new Learner(TinyTask.Model(), data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1);
            var output = new StringWriter();
            learn.Output = output;
            learn.Fit(1);
            learn.Fit(1);
            warnings.Add(output.ToString());
            Assert.All(data.Valid.StartedWorkers, t => Assert.False(t.IsAlive));
            return learn.Validate().Loss;
        }

        double single = Fit(0, out _);
        double prefetched = Fit(2, out DataLoader loader);

        // A dataset of the user's own on loader threads is no longer warned about: the training thread
        // leaves nothing for their collections to free (docs/data.md, bench/results/soak-neighbours.md).
        Assert.All(warnings, w => Assert.DoesNotContain("warning:", w, StringComparison.Ordinal));

        Assert.Equal(single, prefetched);
        Assert.NotEmpty(loader.StartedWorkers);
        Assert.All(loader.StartedWorkers, t => Assert.False(t.IsAlive));
    }

    [Fact]
    public void A_fit_that_fails_on_a_worker_rethrows_on_the_training_thread_and_leaves_no_thread()
    {
        var broken = new Numbered(32, throwAt: 17);
        using DataBunch data = DataBunch.FromDatasets(broken, new Numbered(8), batchSize: 4, generator: new Generator(5), workers: 2);
        using var learn = new Learner(nn.Linear(2, 2), data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1);

        var wrapped = Assert.Throws<LoopStepException>(() => learn.Fit(1));
        var error = Assert.IsType<DataLoaderException>(wrapped.InnerException);

        Assert.Equal(LoopStep.Collate, wrapped.Step);
        Assert.Equal(17, error.SampleIndex);
        Assert.NotEmpty(data.Train.StartedWorkers);
        Assert.All(data.Train.StartedWorkers, t => Assert.False(t.IsAlive));
    }

    // Rows of two tensors, read one by one (not a TensorDataset, so the loader takes the general path).
    private sealed class Rows(Tensor x, Tensor y) : IDataset<Sample>
    {
        public long Count => x.shape[0];

        public Sample this[long index] => new(x[index], y[index]);
    }
}
