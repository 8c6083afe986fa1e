using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>Creates the optimiser for a model at the start of a fit.</summary>
/// <param name="model">The model whose parameters are optimised.</param>
/// <param name="lr">The learning rate to start with.</param>
public delegate Optimizer OptimizerFactory(nn.Module model, double lr);

/// <summary>
/// A TorchSharp optimiser as the learner drives it: <see cref="Step"/> and <see cref="ZeroGrad"/>.
/// </summary>
public class Optimizer : IDisposable
{
    /// <summary>Wraps a TorchSharp optimiser.</summary>
    public Optimizer(optim.Optimizer inner) => Inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The wrapped TorchSharp optimiser.</summary>
    public optim.Optimizer Inner { get; }

    /// <summary>Applies one update with the current gradients.</summary>
    public virtual void Step() => Inner.step();

    /// <summary>Clears the gradients.</summary>
    public virtual void ZeroGrad() => Inner.zero_grad();

    /// <summary>A factory for plain SGD with optional momentum and weight decay.</summary>
    public static OptimizerFactory Sgd(double momentum = 0, double weightDecay = 0) =>
        (model, lr) => new Optimizer(optim.SGD(model.parameters(), lr, momentum: momentum, weight_decay: weightDecay));

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the wrapped optimiser.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }
    }
}
