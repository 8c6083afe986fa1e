namespace CallbackGen;

/// <summary>
/// A typed handle to one hyper-parameter of an optimiser's parameter groups, read and written with
/// <see cref="Optimizer.Get(Hyper, int)"/> and <see cref="Optimizer.Set(Hyper, double, int)"/>:
/// no strings, no reflection. Which option of an optimiser a handle reaches depends on the
/// optimiser: <see cref="Mom"/> is SGD's and RMSprop's momentum and Adam's beta1.
/// </summary>
/// <example>
/// <code>
/// opt.Set(Hyper.Lr, 1e-3, group: 0);       // body
/// opt.Set(Hyper.Lr, 1e-2, group: 1);       // head
/// double beta1 = opt.Get(Hyper.Mom, 1);    // momentum for SGD, beta1 for Adam/AdamW
/// </code>
/// </example>
public sealed class Hyper
{
    private Hyper(HyperKind kind, string name, string description)
    {
        Kind = kind;
        Name = name;
        Description = description;
    }

    /// <summary>How code names this handle (<c>Hyper.Lr</c>, …), for messages.</summary>
    internal string Handle => "Hyper." + Kind;

    /// <summary>The learning rate (every optimiser).</summary>
    public static Hyper Lr { get; } = new(HyperKind.Lr, "lr", "learning rate");

    /// <summary>The momentum: SGD's and RMSprop's <c>momentum</c>, Adam's and AdamW's <c>beta1</c>.</summary>
    public static Hyper Mom { get; } = new(HyperKind.Mom, "mom", "momentum (SGD momentum, Adam beta1)");

    /// <summary>The weight decay: SGD's and Adam's L2 penalty, AdamW's decoupled decay.</summary>
    public static Hyper Wd { get; } = new(HyperKind.Wd, "wd", "weight decay");

    /// <summary>Adam's and AdamW's <c>beta2</c> (the squared-gradient average); SGD has none.</summary>
    public static Hyper Beta2 { get; } = new(HyperKind.Beta2, "beta2", "beta2 (Adam's squared-gradient average)");

    /// <summary>Adam's, AdamW's and RMSprop's <c>eps</c> (added to the denominator); SGD has none.</summary>
    public static Hyper Eps { get; } = new(HyperKind.Eps, "eps", "eps (Adam's denominator term)");

    /// <summary>RMSprop's squared-gradient average factor (PyTorch's <c>alpha</c>, fastai's <c>sqr_mom</c>).</summary>
    public static Hyper SqrMom { get; } = new(HyperKind.SqrMom, "sqr_mom", "sqr_mom (RMSprop's squared-gradient average, PyTorch's alpha)");

    /// <summary>Every handle, in a fixed order.</summary>
    public static IReadOnlyList<Hyper> All { get; } = new[] { Lr, Mom, Wd, Beta2, Eps, SqrMom };

    /// <summary>A short name for records, plots and messages ("lr", "mom", …).</summary>
    public string Name { get; }

    /// <summary>What the hyper-parameter is, in words.</summary>
    public string Description { get; }

    internal HyperKind Kind { get; }

    /// <summary>Returns <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}

/// <summary>The hyper-parameters a <see cref="Hyper"/> handle can name (switched on, never looked up by name).</summary>
internal enum HyperKind
{
    Lr,
    Mom,
    Wd,
    Beta2,
    Eps,
    SqrMom,
}
