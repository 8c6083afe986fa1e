namespace CallbackGen;

/// <summary>A set of <see cref="RunKind"/>s, for <see cref="Callback.RunsIn"/>.</summary>
/// <example>
/// <code>
/// public partial class FitOnlyLogger : Callback
/// {
///     public override RunKinds RunsIn => RunKinds.Fit;
///     [Callback] private void AfterEpoch() => Learn.Log($"epoch {Epoch} done");
/// }
/// </code>
/// </example>
[Flags]
public enum RunKinds
{
    /// <summary>No run.</summary>
    None = 0,

    /// <summary><see cref="RunKind.Fit"/>.</summary>
    Fit = 1,

    /// <summary><see cref="RunKind.LrFind"/>.</summary>
    LrFind = 2,

    /// <summary><see cref="RunKind.Validate"/>.</summary>
    Validate = 4,

    /// <summary><see cref="RunKind.Predict"/>.</summary>
    Predict = 8,

    /// <summary>Every kind of run (the default of <see cref="Callback.RunsIn"/>).</summary>
    All = Fit | LrFind | Validate | Predict,
}

/// <summary>Conversions between <see cref="RunKind"/> and <see cref="RunKinds"/>.</summary>
public static class RunKindExtensions
{
    /// <summary>The one-member set of <paramref name="kind"/>.</summary>
    public static RunKinds AsSet(this RunKind kind) => (RunKinds)(1 << (int)kind);

    /// <summary>True when <paramref name="kinds"/> contains <paramref name="kind"/>.</summary>
    public static bool Includes(this RunKinds kinds, RunKind kind) => (kinds & kind.AsSet()) != 0;
}
