using CallbackGen.Data;
using TorchSharp;
using TorchSharp.Modules;
using DataLoader = CallbackGen.Data.DataLoader;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Schedules;

/// <summary>The seed's MLP (784-50-10) and a generated, learnable 10-class set of 784-pixel "images".</summary>
internal sealed class SeedMlp : IDisposable
{
    public SeedMlp(int samples = 640, int batchSize = 64, long seed = 7)
    {
        manual_seed(seed);
        using (var scope = NewDisposeScope())
        {
            // Each class is a random prototype; samples are noisy copies of their class's prototype.
            Tensor prototypes = randn(10, 784);
            Tensor labels = randint(0, 10, samples, dtype: ScalarType.Int64);
            Tensor inputs = prototypes.index_select(0, labels) + (randn(samples, 784) * 2.0);
            X = inputs.MoveToOuterDisposeScope();
            Y = labels.MoveToOuterDisposeScope();
        }

        Body = nn.Linear(784, 50);
        Head = nn.Linear(50, 10);
        Model = nn.Sequential(("body", Body), ("relu", nn.ReLU()), ("head", Head));
        int validCount = samples / 5;
        Train = new DataLoader(X.narrow(0, validCount, samples - validCount), Y.narrow(0, validCount, samples - validCount), batchSize, shuffle: true, generator: new Generator((ulong)seed));
        Valid = new DataLoader(X.narrow(0, 0, validCount), Y.narrow(0, 0, validCount), batchSize);
    }

    public Tensor X { get; }

    public Tensor Y { get; }

    public Linear Body { get; }

    public Linear Head { get; }

    public Sequential Model { get; }

    public DataLoader Train { get; }

    public DataLoader Valid { get; }

    public DataBunch Data => new(Train, Valid);

    /// <summary>Body and head as two parameter groups.</summary>
    public ParameterSplitter BodyHead => _ => new[] { Body.parameters(), Head.parameters() };

    public static Tensor Loss(Tensor pred, Tensor target) => nn.functional.cross_entropy(pred, target);

    public Learner Learner(OptimizerFactory? opt = null, double lr = 0.1, params Callback[] cbs) =>
        new(Model, Data, Loss, opt, lr, cbs);

    /// <summary>The fraction of validation samples classified right.</summary>
    public double ValidAccuracy()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Model.eval();
        Tensor x = X.narrow(0, 0, Valid.Length);
        Tensor y = Y.narrow(0, 0, Valid.Length);
        return Model.forward(x).argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();
    }

    public void Dispose()
    {
        Model.Dispose();
        X.Dispose();
        Y.Dispose();
    }
}
