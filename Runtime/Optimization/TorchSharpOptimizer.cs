using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A TorchSharp optimiser driven as an <see cref="Optimizer"/>: its parameter groups, typed access to
/// their options, and its own state encoding in checkpoints. Made by <see cref="Optimizer.FromTorchSharp"/>.
/// </summary>
/// <remarks>
/// Exposed beside other threads: TorchSharp 0.107's optimiser steps turn their numbers into
/// <c>Scalar</c>s they do not hold (about nine per parameter for AdamW), so a garbage collection
/// started by another thread of the process can free one while libtorch reads it ("Unknown scalar
/// type", a failed <c>toFloat</c> check, or an aborted process). Use the factories on
/// <see cref="Optimizer"/> (CallbackGen's own optimisers) where the training shares its process with
/// other work; <see cref="FinalizerCheck"/> counts what such an optimiser leaves behind (docs/data.md).
/// </remarks>
public class TorchSharpOptimizer : Optimizer
{
    private TorchSharp.Modules.ParamGroup[] groups;

    /// <summary>Wraps <paramref name="inner"/>; the wrapper disposes it.</summary>
    public TorchSharpOptimizer(optim.Optimizer inner)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        groups = ReadGroups(inner);
    }

    /// <summary>The wrapped TorchSharp optimiser.</summary>
    public optim.Optimizer Inner { get; }

    /// <inheritdoc/>
    public override int GroupCount => Groups.Length;

    /// <inheritdoc/>
    public override string Name => Inner.GetType().Name;

    /// <inheritdoc/>
    public override double Get(Hyper hyper, int group = 0)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        TorchSharp.Modules.ParamGroup g = GroupAt(group);
        return hyper.Kind == HyperKind.Lr ? g.LearningRate : Slot(g.Options, hyper) ?? 0;
    }

    /// <inheritdoc/>
    public override void Set(Hyper hyper, double value, int group)
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

    /// <inheritdoc/>
    public override bool Supports(Hyper hyper)
    {
        ArgumentNullException.ThrowIfNull(hyper);
        return hyper.Kind == HyperKind.Lr || (GroupCount > 0 && HasSlot(Groups[0].Options, hyper.Kind));
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> ParametersOf(int group) => GroupAt(group).Parameters.ToArray();

    /// <inheritdoc/>
    protected override void ApplyUpdate() => Inner.step();

    /// <inheritdoc/>
    protected override void ClearGradients() => Inner.zero_grad();

    /// <inheritdoc/>
    protected override void SaveCore(BinaryWriter writer) => Helper().save_state_dict(writer);

    /// <inheritdoc/>
    protected override void LoadCore(BinaryReader reader)
    {
        if (reader.BaseStream.CanSeek)
        {
            long start = reader.BaseStream.Position;
            byte[] head = reader.ReadBytes(ParameterOptimizer.StateMagic.Length);
            if (head.AsSpan().SequenceEqual(ParameterOptimizer.StateMagic))
            {
                reader.ReadInt32();
                throw new InvalidDataException($"The saved optimiser state is CallbackGen's '{reader.ReadString()}''s; it does not fit this wrapped TorchSharp {Name}.");
            }

            reader.BaseStream.Position = start;
        }

        try
        {
            Helper().load_state_dict(reader);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"The saved optimiser state does not fit this {Name}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
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

    private static TorchSharp.Modules.ParamGroup[] ReadGroups(optim.Optimizer inner) =>
        inner.ParamGroups?.OfType<TorchSharp.Modules.ParamGroup>().ToArray() ?? Array.Empty<TorchSharp.Modules.ParamGroup>();

    private TorchSharp.Modules.ParamGroup GroupAt(int group)
    {
        TorchSharp.Modules.ParamGroup[] gs = Groups;
        if ((uint)group >= (uint)gs.Length)
        {
            throw NoSuchGroup(group);
        }

        return gs[group];
    }

    private OptimizerHelper Helper() => Inner as OptimizerHelper
        ?? throw new NotSupportedException($"The {Name} optimiser cannot save or load its state.");

    private static bool HasSlot(TorchSharp.Modules.OptimizerOptions options, HyperKind kind) => (options, kind) switch
    {
        (TorchSharp.Modules.SGD.Options, HyperKind.Mom or HyperKind.Wd) => true,
        (TorchSharp.Modules.Adam.Options or TorchSharp.Modules.AdamW.Options, HyperKind.Mom or HyperKind.Wd or HyperKind.Beta2 or HyperKind.Eps) => true,
        (TorchSharp.Modules.RMSProp.Options, HyperKind.Mom or HyperKind.Wd or HyperKind.SqrMom or HyperKind.Eps) => true,
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
            case TorchSharp.Modules.RMSProp.Options o:
                switch (hyper.Kind)
                {
                    case HyperKind.Mom: return ref o.momentum;
                    case HyperKind.SqrMom: return ref o.alpha;
                    case HyperKind.Eps: return ref o.eps;
                    case HyperKind.Wd: return ref o.weight_decay;
                }

                break;
        }

        throw NotSupported(hyper);
    }
}
