namespace CallbackGen;

/// <summary>
/// What a run of the learner is for. Callbacks see it as <see cref="Callback.RunKind"/> and take part
/// only in the kinds their <see cref="Callback.RunsIn"/> lists.
/// </summary>
public enum RunKind
{
    /// <summary>Training: <see cref="Learner.Fit(int, double?, IEnumerable{Callback}?)"/>, <c>FitOneCycle</c>, a resumed fit.</summary>
    Fit,

    /// <summary>The learning-rate range test (<see cref="Learner.LrFind"/>): trains, then puts everything back.</summary>
    LrFind,

    /// <summary>A validation-only run (<see cref="Learner.Validate"/>).</summary>
    Validate,

    /// <summary>A prediction run over a loader (no loss is kept, no weights change).</summary>
    Predict,
}
