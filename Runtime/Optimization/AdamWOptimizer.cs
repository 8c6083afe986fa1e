using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// AdamW: Adam with decoupled weight decay (the weights shrink by <c>1 - lr·wd</c> before the step),
/// step for step PyTorch's <c>torch.optim.AdamW</c>. Hyper-parameters and state as
/// <see cref="AdamOptimizer"/>.
/// </summary>
public sealed class AdamWOptimizer : AdamOptimizer
{
    internal AdamWOptimizer(IEnumerable<Parameter[]> groups, double lr, double beta1, double beta2, double eps, double weightDecay)
        : base(groups, lr, beta1, beta2, eps, weightDecay)
    {
    }

    /// <inheritdoc/>
    public override string Name => "AdamW";

    private protected override void Update(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state)
    {
        double decay = Value(group, HyperKind.Lr) * Value(group, HyperKind.Wd);
        if (decay != 0)
        {
            param.mul_(Scalar(group, ExtraSlot, 1 - decay));
        }

        Moments(group, param, grad, state);
    }
}
