using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Adam with weight decay as an L2 penalty added to the gradient, step for step PyTorch's
/// <c>torch.optim.Adam</c> (bias-corrected moments; eps added after the square root is divided by
/// the second moment's correction). Hyper-parameters: <see cref="Hyper.Lr"/>, <see cref="Hyper.Mom"/>
/// (beta1), <see cref="Hyper.Beta2"/>, <see cref="Hyper.Eps"/>, <see cref="Hyper.Wd"/>.
/// State per parameter: <c>exp_avg</c>, <c>exp_avg_sq</c> and the step count.
/// </summary>
public class AdamOptimizer : ParameterOptimizer
{
    private const int Beta1Slot = 0, OneMinusBeta1Slot = 1, Beta2Slot = 2, OneMinusBeta2Slot = 3, EpsSlot = 4, OneSlot = 5,
        WdSlot = 6, StepSizeSlot = 7, Correction2Slot = 8;

    /// <summary>The held Scalars the update needs, and one spare slot for a subclass (<see cref="ExtraSlot"/>).</summary>
    private const int SlotCount = 10;

    /// <summary>A slot a subclass may use for its own Scalar.</summary>
    private protected const int ExtraSlot = 9;

    internal AdamOptimizer(IEnumerable<Parameter[]> groups, double lr, double beta1, double beta2, double eps, double weightDecay)
        : base(groups, lr, SlotCount, (Hyper.Mom, beta1), (Hyper.Beta2, beta2), (Hyper.Eps, eps), (Hyper.Wd, weightDecay))
    {
    }

    /// <inheritdoc/>
    public override string Name => "Adam";

    private protected override void Update(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state)
    {
        double wd = Value(group, HyperKind.Wd);
        if (wd != 0)
        {
            grad = grad.add(param, Scalar(group, WdSlot, wd));
        }

        Moments(group, param, grad, state);
    }

    /// <summary>Updates the moments and applies the bias-corrected step, the part Adam and AdamW share.</summary>
    private protected static void Moments(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state)
    {
        double lr = Value(group, HyperKind.Lr);
        double beta1 = Value(group, HyperKind.Mom);
        double beta2 = Value(group, HyperKind.Beta2);
        double eps = Value(group, HyperKind.Eps);
        Tensor expAvg = state.GetOrAdd("exp_avg", param, p => zeros_like(p));
        Tensor expAvgSq = state.GetOrAdd("exp_avg_sq", param, p => zeros_like(p));

        double correction1 = 1 - Math.Pow(beta1, state.Step);
        double correction2 = 1 - Math.Pow(beta2, state.Step);

        expAvg.mul_(Scalar(group, Beta1Slot, beta1)).add_(grad, Scalar(group, OneMinusBeta1Slot, 1 - beta1));
        expAvgSq.mul_(Scalar(group, Beta2Slot, beta2)).addcmul_(grad, grad, Scalar(group, OneMinusBeta2Slot, 1 - beta2));

        // The step-dependent Scalars change every step: rebuilt once per group and step, shared by its parameters.
        Tensor denom = expAvgSq.sqrt().div_(Scalar(group, Correction2Slot, Math.Sqrt(correction2)))
            .add_(Scalar(group, EpsSlot, eps), Scalar(group, OneSlot, 1));
        param.addcdiv_(expAvg, denom, Scalar(group, StepSizeSlot, -(lr / correction1)));
    }
}
