using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// One parameter group of a <see cref="ParameterOptimizer"/>: its parameters, their state, its
/// hyper-parameters, and the Scalars its steps hand to libtorch (rebuilt only when a value changes).
/// </summary>
public sealed class OptimizerGroup : IDisposable
{
    private readonly double[] values = new double[Hyper.All.Count];
    private readonly HeldScalar[] scalars;

    internal OptimizerGroup(Parameter[] parameters, int scalarSlots)
    {
        Parameters = parameters;
        States = parameters.Select(_ => new ParameterState()).ToArray();
        scalars = Enumerable.Range(0, scalarSlots).Select(_ => new HeldScalar()).ToArray();
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Each parameter's state, in the order of <see cref="Parameters"/>.</summary>
    public IReadOnlyList<ParameterState> States { get; }

    /// <summary>Releases the state's tensors and the held Scalars.</summary>
    public void Dispose()
    {
        foreach (ParameterState s in States)
        {
            s.Dispose();
        }

        foreach (HeldScalar s in scalars)
        {
            s.Dispose();
        }
    }

    internal double this[HyperKind kind]
    {
        get => values[(int)kind];
        set => values[(int)kind] = value;
    }

    /// <summary>The held Scalar in <paramref name="slot"/> for <paramref name="value"/> (see <see cref="HeldScalar"/>).</summary>
    internal TorchSharp.Scalar Scalar(int slot, double value) => scalars[slot].For(value);
}
