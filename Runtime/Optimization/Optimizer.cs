using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>Creates the optimiser for a model at the start of a fit.</summary>
/// <param name="model">The model whose parameters are optimised.</param>
/// <param name="lr">The learning rate to start with (every group).</param>
public delegate Optimizer OptimizerFactory(nn.Module model, double lr);

/// <summary>
/// A TorchSharp optimiser as the learner drives it: <see cref="Step"/> and <see cref="ZeroGrad"/>,
/// its parameter groups, and typed access to their hyper-parameters (<see cref="Get"/>,
/// <see cref="Set(Hyper, double, int)"/>). Optionally zeroes the gradients after each step
/// (<see cref="AutoZero"/>) and accumulates gradients over several steps
/// (<see cref="AccumulationSteps"/>).
/// </summary>
/// <example>
/// <code>
/// var learn = new Learner(model, data, loss, Optimizer.Sgd(momentum: 0.9, groups: m => new[] { body, head }));
/// learn.CreateOptimizer().Set(Hyper.Lr, 1e-3, group: 0);
/// </code>
/// </example>
public class Optimizer : IDisposable
{
    private TorchSharp.Modules.ParamGroup[] groups;
    private int pendingSteps;

    /// <summary>Wraps a TorchSharp optimiser.</summary>
    public Optimizer(optim.Optimizer inner)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        groups = ReadGroups(inner);
    }

    /// <summary>The wrapped TorchSharp optimiser.</summary>
    public optim.Optimizer Inner { get; }

    /// <summary>The number of parameter groups.</summary>
    public int GroupCount => Groups.Length;

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

    private int accumulationSteps = 1;

    /// <summary>Calls of <see cref="Step"/> since the last applied update (always 0 without accumulation).</summary>
    public int PendingSteps => pendingSteps;

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
        Inner.step();
        if (AutoZero)
        {
            Inner.zero_grad();
        }
    }

    /// <summary>Clears the gradients, except while an accumulation is in progress (<see cref="PendingSteps"/> &gt; 0).</summary>
    public virtual void ZeroGrad()
    {
        if (pendingSteps == 0)
        {
            Inner.zero_grad();
        }
    }

    /// <summary>The value of <paramref name="hyper"/> in parameter group <paramref name="group"/>.</summary>
    /// <exception cref="ArgumentException">The hyper-parameter does not apply to this optimiser.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public double Get(Hyper hyper, int group = 0)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        TorchSharp.Modules.ParamGroup g = GroupAt(group);
        return hyper.Kind == HyperKind.Lr ? g.LearningRate : Slot(g.Options, hyper) ?? 0;
    }

    /// <summary>Sets <paramref name="hyper"/> in parameter group <paramref name="group"/> only.</summary>
    /// <exception cref="ArgumentException">The hyper-parameter does not apply to this optimiser, or the value is out of its range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">There is no such group.</exception>
    public void Set(Hyper hyper, double value, int group)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        TorchSharp.Modules.ParamGroup g = GroupAt(group);
        CheckValue(hyper, value);
        if (hyper.Kind == HyperKind.Lr)
        {
            g.LearningRate = value;
        }
        else
        {
            Slot(g.Options, hyper) = value;
        }
    }

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
    public bool Supports(Hyper hyper)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        return hyper.Kind == HyperKind.Lr || (GroupCount > 0 && HasSlot(Groups[0].Options, hyper.Kind));
    }

    /// <summary>The hyper-parameters that apply to this optimiser.</summary>
    public IReadOnlyList<Hyper> SupportedHypers => Hyper.All.Where(Supports).ToArray();

    /// <summary>
    /// Writes the optimiser's whole state (every group's hyper-parameters, every parameter's buffers,
    /// the accumulation count) so that <see cref="LoadState"/> restores it bit for bit.
    /// </summary>
    /// <exception cref="NotSupportedException">The wrapped optimiser cannot save its state.</exception>
    public void SaveState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Helper().save_state_dict(writer);
        writer.Write(pendingSteps);
    }

    /// <summary>Restores state written by <see cref="SaveState"/> for an optimiser of the same kind and shape.</summary>
    /// <exception cref="InvalidDataException">The state is of another optimiser kind or shape.</exception>
    public void LoadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            Helper().load_state_dict(reader);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"The saved optimiser state does not fit this {KindName}: {ex.Message}", ex);
        }

        pendingSteps = reader.ReadInt32();
    }

    /// <summary>A factory for SGD with optional momentum and weight decay (L2).</summary>
    /// <param name="momentum">The momentum (<see cref="Hyper.Mom"/>), 0 for none.</param>
    /// <param name="weightDecay">The L2 penalty (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory Sgd(double momentum = 0, double weightDecay = 0, ParameterSplitter? groups = null) =>
        (model, lr) => new Optimizer(optim.SGD(
            Split(model, groups).Select(ps => new TorchSharp.Modules.SGD.ParamGroup { Parameters = ps }),
            lr,
            momentum: momentum,
            weight_decay: weightDecay));

    /// <summary>A factory for Adam (weight decay as an L2 penalty); defaults follow fastai v2.</summary>
    /// <param name="beta1">The gradient average's factor (<see cref="Hyper.Mom"/>).</param>
    /// <param name="beta2">The squared-gradient average's factor (<see cref="Hyper.Beta2"/>).</param>
    /// <param name="eps">Added to the denominator (<see cref="Hyper.Eps"/>).</param>
    /// <param name="weightDecay">The L2 penalty (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory Adam(double beta1 = 0.9, double beta2 = 0.99, double eps = 1e-5, double weightDecay = 0, ParameterSplitter? groups = null) =>
        (model, lr) => new Optimizer(optim.Adam(
            Split(model, groups).Select(ps => new TorchSharp.Modules.Adam.ParamGroup { Parameters = ps }),
            lr,
            beta1: beta1,
            beta2: beta2,
            eps: eps,
            weight_decay: weightDecay));

    /// <summary>A factory for AdamW (decoupled weight decay); defaults follow fastai v2.</summary>
    /// <param name="beta1">The gradient average's factor (<see cref="Hyper.Mom"/>).</param>
    /// <param name="beta2">The squared-gradient average's factor (<see cref="Hyper.Beta2"/>).</param>
    /// <param name="eps">Added to the denominator (<see cref="Hyper.Eps"/>).</param>
    /// <param name="weightDecay">The decoupled weight decay (<see cref="Hyper.Wd"/>).</param>
    /// <param name="groups">Splits the model into parameter groups; null for one group of all parameters.</param>
    public static OptimizerFactory AdamW(double beta1 = 0.9, double beta2 = 0.99, double eps = 1e-5, double weightDecay = 0.01, ParameterSplitter? groups = null) =>
        (model, lr) => new Optimizer(optim.AdamW(
            Split(model, groups).Select(ps => new TorchSharp.Modules.AdamW.ParamGroup { Parameters = ps }),
            lr,
            beta1: beta1,
            beta2: beta2,
            eps: eps,
            weight_decay: weightDecay));

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

    private TorchSharp.Modules.ParamGroup[] Groups
    {
        get
        {
            // A group added to the TorchSharp optimiser after wrapping is picked up here.
            if (Inner.ParamGroups is ICollection<optim.ILearningRateController> c && c.Count != groups.Length)
            {
                groups = ReadGroups(Inner);
            }

            return groups;
        }
    }

    private string KindName => Inner.GetType().Name;

    private static TorchSharp.Modules.ParamGroup[] ReadGroups(optim.Optimizer inner) =>
        inner.ParamGroups?.OfType<TorchSharp.Modules.ParamGroup>().ToArray() ?? Array.Empty<TorchSharp.Modules.ParamGroup>();

    private TorchSharp.Modules.ParamGroup GroupAt(int group)
    {
        TorchSharp.Modules.ParamGroup[] gs = Groups;
        if ((uint)group >= (uint)gs.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(group), group,
                $"The {KindName} optimiser has {gs.Length} parameter group(s), numbered 0 to {gs.Length - 1}; there is no group {group}.");
        }

        return gs[group];
    }

    private OptimizerHelper Helper() => Inner as OptimizerHelper
        ?? throw new NotSupportedException($"The {KindName} optimiser cannot save or load its state.");

    private static bool HasSlot(TorchSharp.Modules.OptimizerOptions options, HyperKind kind) => (options, kind) switch
    {
        (TorchSharp.Modules.SGD.Options, HyperKind.Mom or HyperKind.Wd) => true,
        (TorchSharp.Modules.Adam.Options or TorchSharp.Modules.AdamW.Options, HyperKind.Mom or HyperKind.Wd or HyperKind.Beta2 or HyperKind.Eps) => true,
        _ => false,
    };

    // The option field a handle names, by the optimiser's own options type: a type switch, no reflection.
    private ref double? Slot(TorchSharp.Modules.OptimizerOptions options, Hyper hyper)
    {
        switch (options)
        {
            case TorchSharp.Modules.SGD.Options o:
                switch (hyper.Kind)
                {
                    case HyperKind.Mom: return ref o.momentum;
                    case HyperKind.Wd: return ref o.weight_decay;
                }

                break;
            case TorchSharp.Modules.Adam.Options o:
                switch (hyper.Kind)
                {
                    case HyperKind.Mom: return ref o.beta1;
                    case HyperKind.Beta2: return ref o.beta2;
                    case HyperKind.Eps: return ref o.eps;
                    case HyperKind.Wd: return ref o.weight_decay;
                }

                break;
            case TorchSharp.Modules.AdamW.Options o:
                switch (hyper.Kind)
                {
                    case HyperKind.Mom: return ref o.beta1;
                    case HyperKind.Beta2: return ref o.beta2;
                    case HyperKind.Eps: return ref o.eps;
                    case HyperKind.Wd: return ref o.weight_decay;
                }

                break;
        }

        string supported = string.Join(", ", SupportedHypers.Select(h => h.Name));
        throw new ArgumentException(
            $"{hyper.Handle} ({hyper.Description}) does not apply to the {KindName} optimiser; it has: {supported}.",
            nameof(hyper));
    }

    private static void CheckValue(Hyper hyper, double value)
    {
        bool ok = hyper.Kind switch
        {
            HyperKind.Eps => value > 0 && double.IsFinite(value),
            // beta1/momentum and beta2 are averaging factors; 1 would freeze the average.
            HyperKind.Mom or HyperKind.Beta2 => value >= 0 && value < 1,
            _ => value >= 0 && double.IsFinite(value),
        };
        if (!ok)
        {
            string range = hyper.Kind switch
            {
                HyperKind.Eps => "a finite value > 0",
                HyperKind.Mom or HyperKind.Beta2 => "a value in [0, 1)",
                _ => "a finite value >= 0",
            };
            throw new ArgumentOutOfRangeException(nameof(value), value, $"{hyper.Handle} ({hyper.Description}) must be {range}.");
        }
    }

    private static List<IEnumerable<Parameter>> Split(nn.Module model, ParameterSplitter? splitter)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (splitter is null)
        {
            return new List<IEnumerable<Parameter>> { model.parameters().ToArray() };
        }

        var result = new List<IEnumerable<Parameter>>();
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
