using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// An optimiser that owns its parameter groups, each parameter's state (<see cref="ParameterState"/>:
/// named tensors and a step count) and its update rule (<see cref="Update"/>), as fastai's
/// <c>Optimizer</c> does. Every number a step passes to libtorch is a Scalar held by its group
/// (<see cref="OptimizerGroup"/>) until the call returns, rebuilt only when the value changes; every
/// temporary tensor lives in a dispose scope per parameter.
/// </summary>
public abstract class ParameterOptimizer : Optimizer
{
    /// <summary>The first bytes of the state <see cref="Optimizer.SaveState"/> writes, before its version.</summary>
    internal static ReadOnlySpan<byte> StateMagic => "CBGOPTIM"u8;

    /// <summary>The version of that state's layout.</summary>
    private const int StateVersion = 1;

    private readonly OptimizerGroup[] groups;
    private readonly Hyper[] hypers;

    /// <summary>Creates the groups; each starts with learning rate <paramref name="lr"/> and the given values.</summary>
    /// <param name="groups">The parameters of each group.</param>
    /// <param name="lr">The learning rate of every group.</param>
    /// <param name="scalarSlots">How many held Scalars a group needs (the slots <see cref="Scalar"/> takes).</param>
    /// <param name="defaults">The optimiser's hyper-parameters besides <see cref="Hyper.Lr"/>, with their starting values.</param>
    private protected ParameterOptimizer(IEnumerable<Parameter[]> groups, double lr, int scalarSlots, params (Hyper Hyper, double Value)[] defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        hypers = defaults.Select(d => d.Hyper).Prepend(Hyper.Lr).ToArray();
        this.groups = groups.Select(ps => new OptimizerGroup(ps, scalarSlots)).ToArray();
        Set(Hyper.Lr, lr);
        foreach (var (hyper, value) in defaults)
        {
            Set(hyper, value);
        }
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<OptimizerGroup> Groups => groups;

    /// <inheritdoc/>
    public override int GroupCount => groups.Length;

    /// <inheritdoc/>
    public override double Get(Hyper hyper, int group = 0)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        OptimizerGroup g = GroupAt(group);
        return Supports(hyper) ? g[hyper.Kind] : throw NotSupported(hyper);
    }

    /// <inheritdoc/>
    public override void Set(Hyper hyper, double value, int group)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        OptimizerGroup g = GroupAt(group);
        if (!Supports(hyper))
        {
            throw NotSupported(hyper);
        }

        CheckValue(hyper, value);
        g[hyper.Kind] = value;
    }

    /// <inheritdoc/>
    public override bool Supports(Hyper hyper)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        return Array.IndexOf(hypers, hyper) >= 0;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> ParametersOf(int group) => GroupAt(group).Parameters;

    /// <summary>
    /// Applies the update rule to one parameter, inside <c>torch.no_grad()</c> and a dispose scope
    /// that frees the rule's temporaries.
    /// </summary>
    /// <param name="group">The parameter's group: its hyper-parameters and held Scalars.</param>
    /// <param name="param">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="state">Its state; <see cref="ParameterState.Step"/> already counts this update.</param>
    private protected abstract void Update(OptimizerGroup group, Parameter param, Tensor grad, ParameterState state);

    /// <summary>The value of <paramref name="kind"/> in <paramref name="group"/>.</summary>
    private protected static double Value(OptimizerGroup group, HyperKind kind) => group[kind];

    /// <summary>The Scalar held in slot <paramref name="slot"/> of <paramref name="group"/> for <paramref name="value"/>.</summary>
    private protected static Scalar Scalar(OptimizerGroup group, int slot, double value) => group.Scalar(slot, value);

    /// <inheritdoc/>
    protected override void ApplyUpdate()
    {
        using var noGrad = torch.no_grad();
        foreach (OptimizerGroup group in groups)
        {
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                Parameter p = group.Parameters[i];
                using DisposeScope scope = NewDisposeScope();
                Tensor? grad = p.grad;
                if (grad is null)
                {
                    continue;
                }

                ParameterState state = group.States[i];
                state.Step++;
                Update(group, p, grad, state);
            }
        }
    }

    /// <inheritdoc/>
    protected override void ClearGradients()
    {
        foreach (OptimizerGroup group in groups)
        {
            foreach (Parameter p in group.Parameters)
            {
                using Tensor? grad = p.grad;
                grad?.zero_();
            }
        }
    }

    /// <inheritdoc/>
    protected override void SaveCore(BinaryWriter writer)
    {
        writer.Write(StateMagic);
        writer.Write(StateVersion);
        writer.Write(Name);
        writer.Write(groups.Length);
        foreach (OptimizerGroup g in groups)
        {
            writer.Write(hypers.Length);
            foreach (Hyper h in hypers)
            {
                writer.Write(h.Name);
                writer.Write(g[h.Kind]);
            }

            writer.Write(g.Parameters.Count);
            foreach (ParameterState s in g.States)
            {
                writer.Write(s.Step);
                Checkpoints.TensorCodec.Write(writer, s.Tensors);
            }
        }
    }

    /// <inheritdoc/>
    protected override void LoadCore(BinaryReader reader)
    {
        byte[] magic = reader.ReadBytes(StateMagic.Length);
        if (!magic.AsSpan().SequenceEqual(StateMagic))
        {
            throw new InvalidDataException(
                $"The saved optimiser state is not in CallbackGen's optimiser format (version {StateVersion}): it was written by an older build, which saved TorchSharp's own optimiser encoding. " +
                "Resume from a checkpoint written by this build, or load only the model's weights (Learner.Load) and start a new fit.");
        }

        int version = reader.ReadInt32();
        if (version != StateVersion)
        {
            throw new InvalidDataException($"The saved optimiser state has format version {version}; this build reads version {StateVersion}.");
        }

        string name = reader.ReadString();
        if (name != Name)
        {
            throw new InvalidDataException($"The saved optimiser state is '{name}''s; it does not fit this {Name}.");
        }

        int groupCount = reader.ReadInt32();
        if (groupCount != groups.Length)
        {
            throw new InvalidDataException($"The saved {Name} state has {groupCount} parameter group(s); this optimiser has {groups.Length}.");
        }

        // Read everything before changing anything, so a mismatch leaves the optimiser as it was.
        var values = new List<(OptimizerGroup Group, Hyper Hyper, double Value)>();
        var loaded = new List<(ParameterState State, long Step, List<Checkpoints.TensorRecord> Records, Parameter Param)>();
        for (int gi = 0; gi < groups.Length; gi++)
        {
            OptimizerGroup g = groups[gi];
            int hyperCount = reader.ReadInt32();
            for (int h = 0; h < hyperCount; h++)
            {
                string hyperName = reader.ReadString();
                double value = reader.ReadDouble();
                Hyper hyper = hypers.FirstOrDefault(x => x.Name == hyperName)
                    ?? throw new InvalidDataException($"The saved {Name} state of group {gi} names hyper-parameter '{hyperName}', which this optimiser does not have.");
                values.Add((g, hyper, value));
            }

            int paramCount = reader.ReadInt32();
            if (paramCount != g.Parameters.Count)
            {
                throw new InvalidDataException($"The saved {Name} state of group {gi} has {paramCount} parameter(s); this optimiser's group {gi} has {g.Parameters.Count}.");
            }

            for (int pi = 0; pi < paramCount; pi++)
            {
                long step = reader.ReadInt64();
                List<Checkpoints.TensorRecord> records = Checkpoints.TensorCodec.Read(reader);
                Parameter p = g.Parameters[pi];
                foreach (Checkpoints.TensorRecord r in records)
                {
                    if (!r.Shape.SequenceEqual(p.shape) || r.DType != p.dtype)
                    {
                        throw new InvalidDataException(
                            $"The saved {Name} state '{r.Name}' of parameter {pi} in group {gi} is {r.DType} {r.ShapeText}; the parameter is {p.dtype} [{string.Join(", ", p.shape)}].");
                    }
                }

                loaded.Add((g.States[pi], step, records, p));
            }
        }

        foreach (var (g, hyper, value) in values)
        {
            g[hyper.Kind] = value;
        }

        foreach (var (state, step, records, p) in loaded)
        {
            state.Clear();
            state.Step = step;
            foreach (Checkpoints.TensorRecord r in records)
            {
                Tensor t = r.ToTensor();
                if (t.device != p.device)
                {
                    Tensor moved = t.to(p.device);
                    t.Dispose();
                    t = moved;
                }

                state.Add(r.Name, t);
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (OptimizerGroup g in groups)
            {
                g.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private OptimizerGroup GroupAt(int group) =>
        (uint)group < (uint)groups.Length ? groups[group] : throw NoSuchGroup(group);
}
