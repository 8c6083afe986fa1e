using System.Diagnostics;
using System.Globalization;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit.Abstractions;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>
/// The generator and every analyzer survive broken code (issue 11, DESIGN.md §3.1): sources made by
/// randomly deleting, duplicating and swapping tokens of the samples and of the runtime's callbacks
/// and schedules (fixed seed) never make one throw. The unmutated files stay clean: generated
/// dispatch present, no CallbackGen diagnostic, no compiler error.
/// </summary>
[Trait("Category", "Slow")]
public class GeneratorAndAnalyzerFuzzTests(ITestOutputHelper log)
{
    /// <summary>Sources per default run; CALLBACKGEN_FUZZ_SOURCES sets another count (a longer run).</summary>
    private const int DefaultSources = 10_000;

    /// <summary>CALLBACKGEN_FUZZ_SEED sets another seed.</summary>
    private const int DefaultSeed = 20_261_129;

    // Many mutants share one compilation (references bound once): duplicate types between them are
    // compiler errors, which is fine here; only exceptions count.
    private const int SourcesPerCompilation = 100;

    private static readonly string[] CorpusFolders = { "Samples", "Runtime/Callbacks", "Runtime/Schedules" };

    [Fact]
    public void Token_mutations_of_the_samples_and_runtime_callbacks_never_make_the_generator_or_an_analyzer_throw()
    {
        int total = FromEnvironment("CALLBACKGEN_FUZZ_SOURCES", DefaultSources);
        int seed = FromEnvironment("CALLBACKGEN_FUZZ_SEED", DefaultSeed);
        TokenMutator[] corpus = Corpus();
        Assert.Contains(corpus, f => f.Path.StartsWith("Samples/", StringComparison.Ordinal));
        Assert.Contains(corpus, f => f.Path.StartsWith("Runtime/Callbacks/", StringComparison.Ordinal));
        Assert.True(ToolRun.Generators.Length >= 1 && ToolRun.Analyzers.Length >= 2, "the generator and the analyzers were not found");

        // The mutants are drawn in order from one seeded generator (the same mutants on every
        // machine); the compilations then run in parallel, one per core, each on its own thread.
        var random = new Random(seed);
        var batches = new List<(string What, string Text)[]>();
        for (int first = 0; first < total; first += SourcesPerCompilation)
        {
            batches.Add(Enumerable.Range(first, Math.Min(SourcesPerCompilation, total - first))
                .Select(n =>
                {
                    TokenMutator file = corpus[random.Next(corpus.Length)];
                    return (What: $"mutant {n} of {file.Path}", Text: file.Mutate(random));
                })
                .ToArray());
        }

        var wall = Stopwatch.StartNew();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var runs = new ToolRun[batches.Count];
        Parallel.For(0, batches.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
            runs[b] = ToolRun.Build(Parse(batches[b]), BuildInputs.UserReferences, BuildInputs.ParseOptions, concurrent: false));

        int failed = Array.FindIndex(runs, r => r.Failures.Count > 0);
        if (failed >= 0)
        {
            Assert.Fail(Culprit(batches[failed], runs[failed].Failures, seed));
        }

        int compilations = runs.Length;
        int generatedFiles = runs.Sum(r => r.GeneratedFiles);
        int callbackGenDiagnostics = runs.Sum(r => r.AnalyzerDiagnostics.Count(d => d.Id.StartsWith("CBG", StringComparison.Ordinal)));
        var generatorTime = TimeSpan.FromTicks(runs.Sum(r => r.GeneratorTime.Ticks));
        var analyzerTime = TimeSpan.FromTicks(runs.Sum(r => r.AnalyzerTime.Ticks));
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        log.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{total} mutants of {corpus.Length} files (seed {seed}) in {compilations} compilations: {generatedFiles} generated files, {callbackGenDiagnostics} CallbackGen diagnostics; wall {wall.Elapsed.TotalSeconds:F1} s (summed over threads: generators {generatorTime.TotalSeconds:F1} s, analyzers {analyzerTime.TotalSeconds:F1} s), CPU {cpu.TotalSeconds:F1} s."));

        // The mutants reach the generator's and the analyzers' work, not only their early exits (the
        // mutants of one file in a compilation merge into one partial class: one generated file).
        Assert.True(generatedFiles > compilations * 5, $"only {generatedFiles} generated files in {compilations} compilations");
        Assert.True(callbackGenDiagnostics > total / 100, $"only {callbackGenDiagnostics} CallbackGen diagnostics for {total} mutants");
    }

    [Fact]
    public void The_unmutated_runtime_builds_with_its_generated_dispatch_and_no_CallbackGen_diagnostic()
    {
        // The runtime compiled from source as its project does, so its callbacks are valid as written.
        var files = RepositoryFiles.CSharpFiles("Runtime")
            .Where(f => !f.Path.StartsWith("Runtime/build/", StringComparison.Ordinal) || f.Path == "Runtime/build/ElfVersionPatcher.cs")
            .Concat(RepositoryFiles.CSharpFiles("Shared").Where(f => LinkedIntoRuntime.Contains(f.Path)))
            .ToArray();
        ToolRun run = ToolRun.Build(
            files.Select(f => CSharpSyntaxTree.ParseText(f.Text, BuildInputs.RuntimeParseOptions, path: f.Path)),
            BuildInputs.RuntimeDependencies,
            BuildInputs.RuntimeParseOptions,
            assemblyName: "CallbackGen");

        // CS8795: [LibraryImport] partial methods, implemented by the SDK's interop generator, which
        // this in-memory build does not run.
        string[] withGeneratedCode = AssertClean(run, files, allowedErrors: new[] { "CS8795" });
        Assert.Contains("TrainEvalCallback", withGeneratedCode);
        Assert.Contains("Schedules", withGeneratedCode);
    }

    [Fact]
    public void The_unmutated_samples_get_their_generated_dispatch_and_no_CallbackGen_diagnostic()
    {
        var projects = RepositoryFiles.CSharpFiles("Samples").GroupBy(f => f.Path.Split('/')[1]).ToArray();
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            ToolRun run = ToolRun.Build(
                project.Select(f => CSharpSyntaxTree.ParseText(f.Text, BuildInputs.ParseOptions, path: f.Path)),
                BuildInputs.SampleReferences,
                BuildInputs.ParseOptions,
                assemblyName: project.Key,
                outputKind: OutputKind.ConsoleApplication);

            // The samples compile against what their projects reference (the runtime and the
            // command-line parser): any compiler error fails.
            AssertClean(run, project, allowedErrors: Array.Empty<string>());
        }
    }

    // The Shared/ files the runtime's project links (the rest of Shared/ is compiled into the
    // generator and the analyzers only, against Roslyn), read from the project file itself.
    private static readonly HashSet<string> LinkedIntoRuntime = System.Text.RegularExpressions.Regex
        .Matches(File.ReadAllText(RepositoryFiles.PathOf("Runtime", "CallbackGen.csproj")), "Include=\"\\.\\./(Shared/[^\"]+\\.cs)\"")
        .Select(m => m.Groups[1].Value)
        .ToHashSet(StringComparer.Ordinal);

    // Returns the classes whose generated file was found.
    private static string[] AssertClean(ToolRun run, IEnumerable<(string Path, string Text)> files, string[] allowedErrors)
    {
        Assert.True(run.Failures.Count == 0, string.Join(Environment.NewLine, run.Failures));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("CBG", StringComparison.Ordinal) || d.Severity >= DiagnosticSeverity.Warning));

        Diagnostic[] errors = run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && !allowedErrors.Contains(d.Id))
            .ToArray();
        Assert.True(errors.Length == 0, "compiler errors:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Take(20)));

        // Every class with [Callback] or [Annealer] methods got its generated file.
        string[] hintNames = run.GeneratorResult.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName).ToArray();
        string[] expected = files.SelectMany(f => ClassesWithGeneratedCode(f.Text)).Distinct().ToArray();
        foreach (string type in expected)
        {
            Assert.True(
                hintNames.Any(h => h.Contains(type, StringComparison.Ordinal)),
                $"no generated file for {type}; generated: {string.Join(", ", hintNames)}");
        }

        return expected;
    }

    // Classes declaring a method marked [Callback] or [Annealer] (by syntax, so the check does not trust the generator's own parser).
    private static IEnumerable<string> ClassesWithGeneratedCode(string text) =>
        CSharpSyntaxTree.ParseText(text, BuildInputs.RuntimeParseOptions).GetRoot().DescendantNodes()
            .OfType<ClassDeclarationSyntax>()
            .Where(c => c.Members.OfType<MethodDeclarationSyntax>().Any(m => m.AttributeLists.SelectMany(l => l.Attributes)
                .Any(a => a.Name.ToString() is "Callback" or "CallbackAttribute" or "Annealer" or "AnnealerAttribute")))
            .Select(c => c.Identifier.ValueText);

    private static SyntaxTree[] Parse((string What, string Text)[] batch) =>
        batch.Select((m, i) => CSharpSyntaxTree.ParseText(m.Text, BuildInputs.ParseOptions, path: $"Mutant{i}.cs")).ToArray();

    private static TokenMutator[] Corpus() =>
        CorpusFolders.SelectMany(folder => RepositoryFiles.CSharpFiles(folder))
            .Select(f => new TokenMutator(f.Path, f.Text, BuildInputs.ParseOptions))
            .ToArray();

    // Names the one mutant that fails on its own (a batch's failure may need two mutants together: then all are named).
    private static string Culprit((string What, string Text)[] batch, IReadOnlyList<string> failures, int seed)
    {
        foreach (var (what, text) in batch)
        {
            ToolRun alone = ToolRun.Build(Parse(new[] { (what, text) }), BuildInputs.UserReferences, BuildInputs.ParseOptions);
            if (alone.Failures.Count > 0)
            {
                return $"seed {seed}, {what}:{Environment.NewLine}{string.Join(Environment.NewLine, alone.Failures)}{Environment.NewLine}source:{Environment.NewLine}{text}";
            }
        }

        return $"seed {seed}, mutants {batch[0].What} to {batch[^1].What} together:{Environment.NewLine}{string.Join(Environment.NewLine, failures)}";
    }

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
}
