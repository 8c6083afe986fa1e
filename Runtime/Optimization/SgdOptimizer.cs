using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay
/// (an L2 penalty added to the gradient), step for step PyTorch's <c>torch.optim.SGD</c>.
/// Hyper-parameters: <see cref="Hyper.Lr"/>, <see cref="Hyper.Mom"/>, <see cref="Hyper.Wd"/>.
/// State per parameter: <c>momentum_buffer</c> (from the first step with momentum).
/// </summary>
public sealed class SgdOptimizer : ParameterOptimizer
{
    private const int LrSlot = 0, MomSlot = 1, WdSlot = 2, DampSlot = 3;
    private readonly double dampening;

    internal SgdOptimizer(IEnumerable<Parameter[]> groups, double lr, double momentum, double weightDecay, double dampening, bool nesterov)
        : base(groups, lr, scalarSlots: 4, (Hyper.Mom, momentum), (Hyper.Wd, weightDecay))
    {
        if (dampening < 0 || dampening > 1 || double.IsNaN(dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "SGD's dampening must be in [0, 1].");
        }

        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum needs a momentum > 0 and no dampening (as in PyTorch).", nameof(nesterov));
        }

        this.dampening = dampening;
        Nesterov = nesterov;
    }

    /// <inheritdoc/>
    public override string Name => "SGD";

    /// <summary>The dampening applied to new gradients in the momentum buffer.</summary>
    public double Dampening => dampening;

    /// <summary>True for Nesterov momentum.</summary>
    public bool Nesterov { get; }

    private protected override void Update(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state)
    {
        double wd = Value(group, HyperKind.Wd);
        double mom = Value(group, HyperKind.Mom);
        if (wd != 0)
        {
            grad = grad.add(param, Scalar(group, WdSlot, wd));
        }

        if (mom != 0)
        {
            Tensor? buf = state["momentum_buffer"];
            if (buf is null)
            {
                state.Add("momentum_buffer", grad.clone().detach());
                buf = state["momentum_buffer"]!;
            }
            else
            {
                buf.mul_(Scalar(group, MomSlot, mom)).add_(grad, Scalar(group, DampSlot, 1 - dampening));
            }

            grad = Nesterov ? grad.add(buf, Scalar(group, MomSlot, mom)) : buf;
        }

        param.add_(grad, Scalar(group, LrSlot, -Value(group, HyperKind.Lr)));
    }
}
