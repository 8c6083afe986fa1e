using CallbackGen.Data;
using TorchSharp;
using TorchSharp.Modules;
using DataLoader = CallbackGen.Data.DataLoader;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Support;

/// <summary>The seed's MLP (784-50-10) and a generated, learnable 10-class set of 784-pixel "images".</summary>
internal sealed class SeedMlp : IDisposable
{
    /// <summary>The generated set: <paramref name="samples"/> samples, a fifth of them for validation.</summary>
    public SeedMlp(int samples = 640, int batchSize = 64, long seed = 7)
        : this(Generate(samples, seed), samples / 5, batchSize, seed)
    {
    }

    private SeedMlp((Tensor X, Tensor Y) data, int validCount, int batchSize, long seed)
    {
        (X, Y) = data;
        long samples = X.shape[0];
        manual_seed(seed);
        Body = nn.Linear(784, 50);
        Head = nn.Linear(50, 10);
        Model = nn.Sequential(("body", Body), ("relu", nn.ReLU()), ("head", Head));
        Train = new DataLoader(X.narrow(0, validCount, samples - validCount), Y.narrow(0, validCount, samples - validCount), batchSize, shuffle: true, generator: new Generator((ulong)seed));
        Valid = new DataLoader(X.narrow(0, 0, validCount), Y.narrow(0, 0, validCount), batchSize);
    }

    /// <summary>
    /// The first <paramref name="samples"/> training images of the embedded Fashion-MNIST subset,
    /// flattened and normalised, a fifth of them for validation.
    /// </summary>
    public static SeedMlp FashionMnist(int samples = 2000, int batchSize = 64, long seed = 7)
    {
        string folder = FashionMnistData.FindEmbeddedSubset(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset (Samples/Data/fashion-mnist-subset) was not found above " + AppContext.BaseDirectory);
        using MnistData mnist = MnistFolder.Load(folder);
        using var scope = NewDisposeScope();
        Tensor x = mnist.TrainImages.narrow(0, 0, samples).reshape(samples, 784);
        Tensor y = mnist.TrainLabels.narrow(0, 0, samples).to_type(ScalarType.Int64);
        Tensor normalised = (x - x.mean()) / x.std();
        var data = (normalised.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
        return new SeedMlp(data, samples / 5, batchSize, seed);
    }

    private static (Tensor X, Tensor Y) Generate(int samples, long seed)
    {
        manual_seed(seed);
        using var scope = NewDisposeScope();
        // Each class is a random prototype; samples are noisy copies of their class's prototype.
        Tensor prototypes = randn(10, 784);
        Tensor labels = randint(0, 10, samples, dtype: ScalarType.Int64);
        Tensor inputs = prototypes.index_select(0, labels) + (randn(samples, 784) * 2.0);
        return (inputs.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
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
