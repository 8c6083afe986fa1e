namespace CallbackGen.Checkpoints;

/// <summary>
/// A strict resume found that the checkpoint does not match the fit: state that no attached callback
/// claims, an attached stateful callback with no state in it, another epoch count or another
/// one-cycle schedule. Nothing was changed. The message lists each problem and what to do; pass
/// <c>strict: false</c> to resume anyway.
/// </summary>
public sealed class ResumeMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The checkpoint.</param>
    /// <param name="problems">One line per problem.</param>
    public ResumeMismatchException(string path, IReadOnlyList<string> problems)
        : base(Format(path, problems))
    {
        Path = path;
        Problems = problems;
    }

    /// <summary>The checkpoint.</summary>
    public string Path { get; }

    /// <summary>One line per problem (each starts with <c>unclaimed:</c>, <c>missing:</c>, <c>epochs:</c> or <c>schedule:</c>).</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string path, IReadOnlyList<string> problems) =>
        $"Cannot resume from '{path}': the checkpoint does not match this fit; nothing was changed.{Environment.NewLine}" +
        string.Concat(problems.Select(p => "  - " + p + Environment.NewLine)) +
        "To resume anyway after a deliberate change, pass strict: false (what is ignored is then reported through Learner.Log).";
}
