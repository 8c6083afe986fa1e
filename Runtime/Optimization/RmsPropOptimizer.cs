using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// RMSprop, step for step PyTorch's <c>torch.optim.RMSprop</c> (eps added after the square root;
/// optional momentum, centring and weight decay as an L2 penalty). Hyper-parameters:
/// <see cref="Hyper.Lr"/>, <see cref="Hyper.SqrMom"/> (PyTorch's alpha), <see cref="Hyper.Eps"/>,
/// <see cref="Hyper.Mom"/>, <see cref="Hyper.Wd"/>. State per parameter: <c>square_avg</c>, and
/// <c>momentum_buffer</c> with momentum, <c>grad_avg</c> when centred.
/// </summary>
public sealed class RmsPropOptimizer : ParameterOptimizer
{
    private const int AlphaSlot = 0, OneMinusAlphaSlot = 1, EpsSlot = 2, OneSlot = 3, WdSlot = 4, MomSlot = 5, LrSlot = 6, MinusOneSlot = 7;

    internal RmsPropOptimizer(IEnumerable<Parameter[]> groups, double lr, double sqrMom, double eps, double momentum, double weightDecay, bool centered)
        : base(groups, lr, scalarSlots: 8, (Hyper.SqrMom, sqrMom), (Hyper.Eps, eps), (Hyper.Mom, momentum), (Hyper.Wd, weightDecay))
    {
        Centered = centered;
    }

    /// <inheritdoc/>
    public override string Name => "RMSprop";

    /// <summary>True when the update divides by the gradient's estimated variance.</summary>
    public bool Centered { get; }

    private protected override void Update(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state)
    {
        double alpha = Value(group, HyperKind.SqrMom);
        double mom = Value(group, HyperKind.Mom);
        double wd = Value(group, HyperKind.Wd);
        Scalar one = Scalar(group, OneSlot, 1);
        Scalar eps = Scalar(group, EpsSlot, Value(group, HyperKind.Eps));
        Scalar minusLr = Scalar(group, LrSlot, -Value(group, HyperKind.Lr));
        if (wd != 0)
        {
            grad = grad.add(param, Scalar(group, WdSlot, wd));
        }

        Tensor squareAvg = state.GetOrAdd("square_avg", param, p => zeros_like(p));
        squareAvg.mul_(Scalar(group, AlphaSlot, alpha)).addcmul_(grad, grad, Scalar(group, OneMinusAlphaSlot, 1 - alpha));

        Tensor avg;
        if (Centered)
        {
            Tensor gradAvg = state.GetOrAdd("grad_avg", param, p => zeros_like(p));
            gradAvg.mul_(Scalar(group, AlphaSlot, alpha)).add_(grad, Scalar(group, OneMinusAlphaSlot, 1 - alpha));
            avg = squareAvg.addcmul(gradAvg, gradAvg, Scalar(group, MinusOneSlot, -1)).sqrt_().add_(eps, one);
        }
        else
        {
            avg = squareAvg.sqrt().add_(eps, one);
        }

        if (mom > 0)
        {
            Tensor buf = state.GetOrAdd("momentum_buffer", param, p => zeros_like(p));
            buf.mul_(Scalar(group, MomSlot, mom)).addcdiv_(grad, avg, one);
            param.add_(buf, minusLr);
        }
        else
        {
            param.addcdiv_(grad, avg, minusLr);
        }
    }
}
