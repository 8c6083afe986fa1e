using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Docs.Tests;

/// <summary>
/// What a block with an output block (<see cref="OutputBlock"/>) finds as <c>learn</c>, <c>data</c> and
/// <c>model</c> when it is run: 256 training and 128 validation samples of 784 random features in 10 classes, batches of 64
/// (validation 128); a 784-50-10 MLP (<c>hidden</c>, <c>relu</c>, <c>out</c>); a learner with
/// cross-entropy and accuracy. Fixed seed, made afresh for each block.
/// </summary>
public sealed class DocsRunContext : IDisposable
{
    private readonly Tensor[] tensors;

    /// <summary>Creates the context.</summary>
    public DocsRunContext()
    {
        manual_seed(0);
        Tensor x = randn(256, 784), y = randint(0, 10, [256], dtype: int64);
        Tensor xv = randn(128, 784), yv = randint(0, 10, [128], dtype: int64);
        tensors = [x, y, xv, yv];
        Data = new DataBunch(new DataLoader(x, y, batchSize: 64), new DataLoader(xv, yv, batchSize: 128));
        Model = nn.Sequential(("hidden", nn.Linear(784, 50)), ("relu", nn.ReLU()), ("out", nn.Linear(50, 10)));
        Learn = new Learner(Model, Data, Losses.CrossEntropy, metrics: [Metric.Accuracy]);
    }

    /// <summary>The block's <c>learn</c>.</summary>
    public Learner Learn { get; }

    /// <summary>The block's <c>data</c>.</summary>
    public DataBunch Data { get; }

    /// <summary>The block's <c>model</c>.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Learn.Dispose();
        Model.Dispose();
        foreach (Tensor t in tensors)
        {
            t.Dispose();
        }
    }
}
