using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Generators.Tests.Infrastructure;

/// <summary>A real learner on a few random rows: enough batches to see the loop's events, in milliseconds.</summary>
public static class TinyFit
{
    /// <summary>Creates a learner whose training phase has <paramref name="trainBatches"/> batches and validation <paramref name="validBatches"/>.</summary>
    public static Learner Create(int trainBatches, int validBatches, params Callback[] cbs)
    {
        manual_seed(0);
        const int batchSize = 2;
        var data = new DataBunch(
            new DataLoader(randn(trainBatches * batchSize, 3), randn(trainBatches * batchSize, 1), batchSize),
            new DataLoader(randn(validBatches * batchSize, 3), randn(validBatches * batchSize, 1), batchSize));
        return new Learner(nn.Linear(3, 1), data, (p, t) => nn.functional.mse_loss(p, t), lr: 0.01, cbs: cbs);
    }
}
