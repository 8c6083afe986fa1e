namespace CallbackGen.Benchmarks;

/// <summary>The options every benchmark program takes: <c>--quick</c> (a short development run) and <c>--out DIR</c>.</summary>
public sealed record BenchArgs(bool Quick, string? OutDir)
{
    /// <summary>Parses the arguments; unknown ones are an error that names them.</summary>
    public static BenchArgs Parse(string[] args)
    {
        bool quick = false;
        string? outDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--out" when i + 1 < args.Length:
                    outDir = Path.GetFullPath(args[++i]);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: [--quick] [--out DIR]");
            }
        }

        return new BenchArgs(quick, outDir);
    }

    /// <summary>
    /// Where results go: <c>--out</c> if given, else bench/results (full runs, committed) or
    /// bench/results/quick (quick runs, ignored by git so a development run never replaces real figures).
    /// </summary>
    public string ResultsDir => OutDir ?? Path.Combine(ResultsFile.RepositoryRoot(), "bench", "results", Quick ? "quick" : string.Empty);

    /// <summary>"quick" or "full", for the results page.</summary>
    public string Mode => Quick ? "quick (development run: figures are indicative only)" : "full";
}
