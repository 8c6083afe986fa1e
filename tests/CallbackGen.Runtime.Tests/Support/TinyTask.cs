using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Support;

/// <summary>
/// The tests' two small deterministic tasks, in one place.
/// <list type="bullet">
/// <item>Static members: a classification task (3 features, 2 classes, a linear model) for tests of the
/// loop's events and the learner's bookkeeping; its optimiser can log its calls.</item>
/// <item>An instance: a regression task that exercises everything a checkpoint must carry: shuffling with
/// the loader's own generator, dropout drawing from torch's default generator, Adam's per-parameter
/// state. Every piece is seeded, so two tasks built alike train bit-identically on the CPU.</item>
/// </list>
/// </summary>
public sealed class TinyTask : IDisposable
{
    /// <summary>
    /// <paramref name="trainBatches"/> training batches and <paramref name="validBatches"/> validation
    /// batches of <paramref name="batchSize"/> samples, unshuffled, from a seed.
    /// </summary>
    public static DataBunch Data(int trainBatches = 2, int validBatches = 1, int batchSize = 2, long seed = 7)
    {
        using var gen = new Generator().manual_seed(seed);
        long nTrain = trainBatches * batchSize, nValid = validBatches * batchSize;
        Tensor x = randn(new long[] { nTrain + nValid, 3 }, generator: gen);
        Tensor y = x[.., 0].gt(0).to_type(ScalarType.Int64);
        return new DataBunch(
            new DataLoader(x[..(int)nTrain], y[..(int)nTrain], batchSize),
            new DataLoader(x[(int)nTrain..], y[(int)nTrain..], batchSize));
    }

    /// <summary>
    /// A linear model initialised from <paramref name="seed"/> with its own generator, so the weights
    /// do not depend on what other tests draw from torch's global generator meanwhile.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Model(long seed = 1)
    {
        var model = nn.Linear(3, 2);
        using var gen = new Generator().manual_seed(seed);
        using var _ = no_grad();
        foreach (var p in model.parameters())
        {
            using Tensor init = rand(p.shape, generator: gen) - 0.5;
            p.copy_(init);
        }

        return model;
    }

    /// <summary>A learner on the tiny task with an optimiser that logs its calls into <paramref name="log"/>.</summary>
    public static Learner Learner(List<string>? log = null, IEnumerable<Callback>? cbs = null, int trainBatches = 2, int validBatches = 1, long seed = 1) =>
        new(Model(seed), Data(trainBatches, validBatches), Losses.CrossEntropy,
            log is null ? Optimizer.Sgd() : LoggingOptimizer.Factory(log), lr: 0.1, cbs: cbs, metrics: new[] { Metric.Accuracy });

    private readonly Tensor x;
    private readonly Tensor y;

    public TinyTask(int samples = 80, int batchSize = 16, bool shuffle = true)
    {
        var g = new Generator(123);
        x = randn(new long[] { samples, 4 }, generator: g);
        y = (x.sum(1, keepdim: true) + 0.1 * randn(new long[] { samples, 1 }, generator: g)).detach();
        Samples = samples;
        BatchSize = batchSize;
        Shuffle = shuffle;
    }

    public int Samples { get; }

    public int BatchSize { get; }

    public bool Shuffle { get; }

    /// <summary>A learner whose model is initialised from <paramref name="modelSeed"/>.</summary>
    public Learner Learner(int modelSeed, bool dropout = true, bool adam = true, int? batchSize = null, params Callback[] cbs)
    {
        manual_seed(modelSeed);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)> { ("lin1", nn.Linear(4, 16)), ("relu", nn.ReLU()) };
        if (dropout)
        {
            layers.Add(("drop", nn.Dropout(0.2)));
        }

        layers.Add(("lin2", nn.Linear(16, 1)));
        var model = nn.Sequential(layers);
        var train = new DataLoader(x, y, batchSize ?? BatchSize, shuffle: Shuffle, generator: new Generator(5));
        var valid = new DataLoader(x, y, 32);
        OptimizerFactory opt = adam
            ? (m, lr) => Optimizer.FromTorchSharp(optim.Adam(m.parameters(), lr))
            : Optimizer.Sgd();
        return new Learner(model, new DataBunch(train, valid), (p, t) => nn.functional.mse_loss(p, t), opt, lr: 1e-2,
            cbs: new Callback[] { new EpochLossStats() }.Concat(cbs));
    }

    /// <summary>Every tensor of the model's state, as bytes, by name.</summary>
    /// <summary>The optimiser's whole state as bytes (<see cref="Optimizer.SaveState"/>), for bit-for-bit comparisons.</summary>
    public static byte[] OptimizerBytes(Optimizer opt)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            opt.SaveState(writer);
        }

        return stream.ToArray();
    }

    public static Dictionary<string, byte[]> Weights(Learner learn) =>
        learn.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().contiguous().bytes.ToArray());

    public static void AssertBitIdentical(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"'{name}' differs");
        }
    }

    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
    }
}
