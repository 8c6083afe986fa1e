using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>A small deterministic classification task: 3 features, 2 classes.</summary>
internal static class TinyTask
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
}

/// <summary>SGD that writes "opt.step" and "opt.zero_grad" into an event log.</summary>
internal sealed class LoggingOptimizer : Optimizer
{
    private readonly List<string> log;

    private LoggingOptimizer(optim.Optimizer inner, List<string> log) : base(inner) => this.log = log;

    public static OptimizerFactory Factory(List<string> log) =>
        (model, lr) => new LoggingOptimizer(optim.SGD(model.parameters(), lr), log);

    public override void Step()
    {
        log.Add("opt.step");
        base.Step();
    }

    public override void ZeroGrad()
    {
        log.Add("opt.zero_grad");
        base.ZeroGrad();
    }
}
