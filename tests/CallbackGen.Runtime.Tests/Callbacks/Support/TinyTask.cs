using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks.Support;

/// <summary>
/// A small regression task that exercises everything a checkpoint must carry: shuffling with the
/// loader's own generator, dropout drawing from torch's default generator, Adam's per-parameter
/// state. Every piece is seeded, so two tasks built alike train bit-identically on the CPU.
/// </summary>
public sealed class TinyTask : IDisposable
{
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
            ? (m, lr) => new Optimizer(optim.Adam(m.parameters(), lr))
            : Optimizer.Sgd();
        return new Learner(model, new DataBunch(train, valid), (p, t) => nn.functional.mse_loss(p, t), opt, lr: 1e-2,
            cbs: new Callback[] { new EpochLossStats() }.Concat(cbs));
    }

    /// <summary>Every tensor of the model's state, as bytes, by name.</summary>
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
