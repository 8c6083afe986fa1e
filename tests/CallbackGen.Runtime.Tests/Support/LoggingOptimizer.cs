using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Support;

/// <summary>SGD that writes "opt.step" and "opt.zero_grad" into an event log.</summary>
internal sealed class LoggingOptimizer : TorchSharpOptimizer
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
