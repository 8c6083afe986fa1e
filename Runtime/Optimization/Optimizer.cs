using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>Creates the optimiser for a model at the start of a fit.</summary>
/// <param name="model">The model whose parameters are optimised.</param>
/// <param name="lr">The learning rate to start with (every group).</param>
public delegate Optimizer OptimizerFactory(nn.Module model, double lr);

/// <summary>
/// An optimiser as the learner drives it: <see cref="Step"/> and <see cref="ZeroGrad"/>, its
/// parameter groups, and typed access to their hyper-parameters (<see cref="Get"/>,
/// <see cref="Set(Hyper, double, int)"/>). Optionally zeroes the gradients after each step
/// (<see cref="AutoZero"/>) and accumulates gradients over several steps
/// (<see cref="AccumulationSteps"/>).
/// </summary>
/// <remarks>
/// The factories (<see cref="Sgd"/>, <see cref="Adam"/>, <see cref="AdamW"/>, <see cref="RmsProp"/>)
/// build CallbackGen's own optimisers (<see cref="ParameterOptimizer"/>), whose steps hold every
/// number they pass to libtorch until the call returns, so a fit is safe beside any thread of the
/// host application (docs/data.md). <see cref="FromTorchSharp"/> wraps a TorchSharp optimiser
/// instead; TorchSharp 0.107's steps leave their numbers to the garbage collector, which another
/// thread's collection can free during the native call.
/// </remarks>
/// <example>
/// <code>
/// var learn = new Learner(model, data, loss, Optimizer.Sgd(momentum: 0.9, groups: m => new[] { body, head }));
/// learn.CreateOptimizer().Set(Hyper.Lr, 1e-3, group: 0);
/// </code>
/// </example>
public abstract class Optimizer : IDisposable
{
    private int pendingSteps;
    private int accumulationSteps = 1;

    /// <summary>The number of parameter groups.</summary>
    public abstract int GroupCount { get; }

    /// <summary>The optimiser's name for messages ("AdamW", "SGD", …).</summary>
    public abstract string Name { get; }

    /// <summary>When true, <see cref="Step"/> clears the gradients after applying an update.</summary>
    public bool AutoZero { get; set; }

    /// <summary>
    /// Gradient accumulation: <see cref="Step"/> applies an update only on every N-th call, and
    /// <see cref="ZeroGrad"/> keeps the gradients until then, so N batches' gradients add up into one
    /// update (scale each batch's loss by 1/N for their mean). 1 (the default) updates every call.
    /// </summary>
    public int AccumulationSteps
    {
        get => accumulationSteps;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(AccumulationSteps));
            accumulationSteps = value;
        }
    }

    /// <summary>Calls of <see cref="Step"/> since the last applied update (always 0 without accumulation).</summary>
    public int PendingSteps => pendingSteps;

    /// <summary>The hyper-parameters that apply to this optimiser.</summary>
    public IReadOnlyList<Hyper> SupportedHypers => Hyper.All.Where(Supports).ToArray();

    /// <summary>
    /// Applies one update with the current gradients, or, while accumulating
    /// (<see cref="AccumulationSteps"/> &gt; 1), counts this call and applies the update on the N-th.
    /// </summary>
    public virtual void Step()
    {
        if (++pendingSteps < AccumulationSteps)
        {
            return;
        }

        pendingSteps = 0;
        ApplyUpdate();
        if (AutoZero)
        {
            ClearGradients();
        }
    }

    /// <summary>Clears the gradients, except while an accumulation is in progress (<see cref="PendingSteps"/> &gt; 0).</summary>
    public virtual void ZeroGrad()
    {
        if (pendingSteps == 0)
        {
            ClearGradients();
        }
    }

    /// <summary>The value of <paramref name="hyper"/> in parameter group <paramref name="group"/>.</summary>
    /// <exception cref="ArgumentException">The hyper-parameter does not apply to this optimiser.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public abstract double Get(Hyper hyper, int group = 0);

    /// <summary>Sets <paramref name="hyper"/> in parameter group <paramref name="group"/> only.</summary>
    /// <exception cref="ArgumentException">The hyper-parameter does not apply to this optimiser, or the value is out of its range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public abstract void Set(Hyper hyper, double value, int group);

    /// <summary>Sets <paramref name="hyper"/> in every parameter group.</summary>
    /// <exception cref="ArgumentException">The hyper-parameter does not apply to this optimiser, or the value is out of its range.</exception>
    public void Set(Hyper hyper, double value)
    {
        for (int i = 0; i < GroupCount; i++)
        {
            Set(hyper, value, i);
        }
    }

    /// <summary>True when <paramref name="hyper"/> applies to this optimiser.</summary>
    public abstract bool Supports(Hyper hyper);

    /// <summary>The parameters of group <paramref name="group"/>, in order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public abstract IReadOnlyList<Parameter> ParametersOf(int group);

    /// <summary>
    /// Writes the optimiser's whole state (every group's hyper-parameters, every parameter's buffers
    /// and step count, the accumulation count) so that <see cref="LoadState"/> restores it bit for bit.
    /// </summary>
    /// <exception cref="NotSupportedException">The optimiser cannot save its state.</exception>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        SaveCore(writer);
        writer.Write(pendingSteps);
    }

    /// <summary>Restores state written by <see cref="SaveState"/> for an optimiser of the same kind and shape.</summary>
    /// <exception cref="InvalidDataException">The state is of another optimiser kind or shape, or of an older format.</exception>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LoadCore(reader);
        pendingSteps = reader.ReadInt32();
    }

    /// <summary>Wraps a TorchSharp optimiser (see <see cref="TorchSharpOptimizer"/> for what stays exposed).</summary>
    /// <param name="inner">The optimiser to drive; the wrapper disposes it.</param>
    public static TorchSharpOptimizer FromTorchSharp(optim.Optimizer inner) => new(inner);

    /// <summary>A factory for SGD (<see cref="SgdOptimizer"/>) with optional momentum and weight decay (L2).</summary>
    /// <param name="momentum">The momentum (<see cref="Hyper.Mom"/>), 0 for none.</param>
    /// <param name="weightDecay">The L2 penalty (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    /// <param name="dampening">Scales the new gradient in the momentum buffer by (1 - dampening), after the first step.</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0 and no dampening).</param>
    public static OptimizerFactory Sgd(double momentum = 0, double weightDecay = 0, ParameterSplitter? groups = null, double dampening = 0, bool nesterov = false) =>
        (model, lr) => new SgdOptimizer(Split(model, groups), lr, momentum, weightDecay, dampening, nesterov);

    /// <summary>A factory for Adam (<see cref="AdamOptimizer"/>, weight decay as an L2 penalty); defaults follow fastai v2.</summary>
    /// <param name="beta1">The gradient average's factor (<see cref="Hyper.Mom"/>).</param>
    /// <param name="beta2">The squared-gradient average's factor (<see cref="Hyper.Beta2"/>).</param>
    /// <param name="eps">Added to the denominator (<see cref="Hyper.Eps"/>).</param>
    /// <param name="weightDecay">The L2 penalty (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory Adam(double beta1 = 0.9, double beta2 = 0.99, double eps = 1e-5, double weightDecay = 0, ParameterSplitter? groups = null) =>
        (model, lr) => new AdamOptimizer(Split(model, groups), lr, beta1, beta2, eps, weightDecay);

    /// <summary>A factory for AdamW (<see cref="AdamWOptimizer"/>, decoupled weight decay); defaults follow fastai v2.</summary>
    /// <param name="beta1">The gradient average's factor (<see cref="Hyper.Mom"/>).</param>
    /// <param name="beta2">The squared-gradient average's factor (<see cref="Hyper.Beta2"/>).</param>
    /// <param name="eps">Added to the denominator (<see cref="Hyper.Eps"/>).</param>
    /// <param name="weightDecay">The decoupled weight decay (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory AdamW(double beta1 = 0.9, double beta2 = 0.99, double eps = 1e-5, double weightDecay = 0.01, ParameterSplitter? groups = null) =>
        (model, lr) => new AdamWOptimizer(Split(model, groups), lr, beta1, beta2, eps, weightDecay);

    /// <summary>A factory for RMSprop (<see cref="RmsPropOptimizer"/>); defaults follow PyTorch and fastai v2.</summary>
    /// <param name="sqrMom">The squared-gradient average's factor, PyTorch's <c>alpha</c> (<see cref="Hyper.SqrMom"/>).</param>
    /// <param name="eps">Added to the denominator (<see cref="Hyper.Eps"/>).</param>
    /// <param name="momentum">The momentum (<see cref="Hyper.Mom"/>), 0 for none.</param>
    /// <param name="weightDecay">The L2 penalty (<see cref="Hyper.Wd"/>).</param>
    /// <param name="centered">Divides by the estimated variance of the gradient instead of its raw second moment.</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory RmsProp(double sqrMom = 0.99, double eps = 1e-8, double momentum = 0, double weightDecay = 0, bool centered = false, ParameterSplitter? groups = null) =>
        (model, lr) => new RmsPropOptimizer(Split(model, groups), lr, sqrMom, eps, momentum, weightDecay, centered);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the optimiser's state.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    protected abstract void ApplyUpdate();

    /// <summary>Clears every parameter's gradient.</summary>
    protected abstract void ClearGradients();

    /// <summary>Writes the state <see cref="LoadCore"/> reads (the accumulation count is the base class's).</summary>
    protected abstract void SaveCore(BinaryWriter writer);

    /// <summary>Reads what <see cref="SaveCore"/> wrote.</summary>
    protected abstract void LoadCore(BinaryReader reader);

    /// <summary>The error for a group number that does not exist.</summary>
    private protected ArgumentOutOfRangeException NoSuchGroup(int group) =>
        new(nameof(group), group,
            $"The {Name} optimiser has {GroupCount} parameter group(s), numbered 0 to {GroupCount - 1}; there is no group {group}.");

    /// <summary>The error for a hyper-parameter this optimiser does not have.</summary>
    private protected ArgumentException NotSupported(Hyper hyper)
    {
        string supported = string.Join(", ", SupportedHypers.Select(h => h.Name));
        return new ArgumentException(
            $"{hyper.Handle} ({hyper.Description}) does not apply to the {Name} optimiser; it has: {supported}.",
            nameof(hyper));
    }

    /// <summary>Checks <paramref name="value"/> against <paramref name="hyper"/>'s range.</summary>
    private protected static void CheckValue(Hyper hyper, double value)
    {
        bool ok = hyper.Kind switch
        {
            HyperKind.Eps => value > 0 && double.IsFinite(value),
            // Momentum and the squared-gradient factors are averaging factors; 1 would freeze the average.
            HyperKind.Mom or HyperKind.Beta2 or HyperKind.SqrMom => value >= 0 && value < 1,
            _ => value >= 0 && double.IsFinite(value),
        };
        if (!ok)
        {
            string range = hyper.Kind switch
            {
                HyperKind.Eps => "a finite value > 0",
                HyperKind.Mom or HyperKind.Beta2 or HyperKind.SqrMom => "a value in [0, 1)",
                _ => "a finite value >= 0",
            };
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{hyper.Handle} ({hyper.Description}) must be {range}.");
        }
    }

    private static List<Parameter[]> Split(nn.Module model, ParameterSplitter? splitter)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (splitter is null)
        {
            return new List<Parameter[]> { model.parameters().ToArray() };
        }

        var result = new List<Parameter[]>();
        var seen = new HashSet<IntPtr>();
        foreach (IEnumerable<Parameter>? group in splitter(model) ?? throw new ArgumentException("The parameter splitter returned null.", nameof(splitter)))
        {
            Parameter[] ps = group?.ToArray() ?? Array.Empty<Parameter>();
            if (ps.Length == 0)
            {
                throw new ArgumentException($"Parameter group {result.Count} is empty: every group needs at least one parameter.", nameof(splitter));
            }

            foreach (Parameter p in ps)
            {
                if (!seen.Add(p.Handle))
                {
                    throw new ArgumentException($"A parameter of shape [{string.Join(", ", p.shape)}] is in parameter group {result.Count} and in an earlier group: each parameter belongs to one group.", nameof(splitter));
                }
            }

            result.Add(ps);
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("The parameter splitter returned no groups.", nameof(splitter));
        }

        return result;
    }
}
