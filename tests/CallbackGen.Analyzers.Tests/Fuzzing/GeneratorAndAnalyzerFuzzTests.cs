using System.Diagnostics;
using System.Globalization;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit.Abstractions;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>
/// The generator and every analyzer survive broken code (issue 11; docs/design.md, "The generator"): sources made by
/// randomly deleting, duplicating and swapping tokens of the samples' and the runtime's callbacks,
/// annealers and state declarations (fixed seed, printed) never make one throw. The unmutated files
/// stay clean: generated dispatch present, no CallbackGen diagnostic, no compiler error.
/// </summary>
/// <remarks>
/// Only files that declare something the tools read are mutated: an edit moves or repeats the file's
/// own tokens, so a file with no <c>[Callback]</c>, <c>[Annealer]</c>, <c>[Checkpointed]</c>,
/// <c>[Transient]</c> or <c>: Callback</c> cannot grow one, and its mutants only reach the tools'
/// early exits, which the other mutants reach too. Every attribute list is also removed once, the
/// edit that makes CBG0006 and CBG0013 and that random token edits rarely make. Until issue 19 the
/// corpus also held the samples' command lines and jobs (two thirds of the files) and a run made
/// 10,000 random mutants; measured with the code-coverage collector on the same code, these 4,000
/// cover more lines and branches of the generator and the analyzers (of the lines the old run
/// covered, all but the generator's reason for skipping a static [Checkpointed] property) with 70%
/// of the CPU time. A longer run: CALLBACKGEN_FUZZ_SOURCES; another seed: CALLBACKGEN_FUZZ_SEED.
/// </remarks>
[Trait("Category", "Slow")]
public class GeneratorAndAnalyzerFuzzTests(ITestOutputHelper log)
{
    /// <summary>Sources per default run; CALLBACKGEN_FUZZ_SOURCES sets another count (a longer run).</summary>
    private const int DefaultSources = 4_000;

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
        Assert.Contains(corpus, f => f.Path.StartsWith("Runtime/Schedules/", StringComparison.Ordinal));
        Assert.True(ToolRun.Generators.Length >= 1 && ToolRun.Analyzers.Length >= 2, "the generator and the analyzers were not found");

        // Every attribute list of every file removed once (whole files, one per compilation, so that
        // the edited class merges with no other copy of itself), then the random mutants, drawn in
        // order from one seeded generator (the same mutants on every machine), many per compilation.
        // All compilations come from one template (references bound once) and run in parallel, one
        // per core, each on its own thread.
        var units = corpus
            .SelectMany(file => file.WithoutEachAttributeList().Select((text, k) => new[] { (What: $"{file.Path} without attribute list {k}", Text: text) }))
            .ToList();
        int systematic = units.Count;
        var random = new Random(seed);
        units.AddRange(Enumerable.Range(0, total)
            .Select(n =>
            {
                TokenMutator file = corpus[random.Next(corpus.Length)];
                return (What: $"mutant {n} of {file.Path}", Text: file.Mutate(random));
            })
            .ToArray()
            .Chunk(SourcesPerCompilation));

        var wall = Stopwatch.StartNew();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        CSharpCompilation template = ToolRun.Template(BuildInputs.UserReferences, BuildInputs.ParseOptions, concurrent: false);
        var runs = new ToolRun[units.Count];
        Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, b =>
            runs[b] = ToolRun.Build(template.AddSyntaxTrees(Parse(units[b])), BuildInputs.ParseOptions, concurrent: false));

        int failed = Array.FindIndex(runs, r => r.Failures.Count > 0);
        if (failed >= 0)
        {
            Assert.Fail(Culprit(units[failed], runs[failed].Failures, seed));
        }

        int compilations = runs.Length;
        ToolRun[] removals = runs[..systematic], randoms = runs[systematic..];
        int generatedFiles = randoms.Sum(r => r.GeneratedFiles);
        int callbackGenDiagnostics = randoms.Sum(r => r.AnalyzerDiagnostics.Count(IsCallbackGen));
        string[] ids = runs.SelectMany(r => r.AnalyzerDiagnostics.Where(IsCallbackGen)).Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();
        var generatorTime = TimeSpan.FromTicks(runs.Sum(r => r.GeneratorTime.Ticks));
        var analyzerTime = TimeSpan.FromTicks(runs.Sum(r => r.AnalyzerTime.Ticks));
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        log.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{systematic} attribute lists removed and {total} random mutants of {corpus.Length} files (seed {seed}) in {compilations} compilations: {generatedFiles} generated files and {callbackGenDiagnostics} CallbackGen diagnostics from the random mutants; diagnostics reached: {string.Join(", ", ids)}; wall {wall.Elapsed.TotalSeconds:F1} s (summed over threads: generators {generatorTime.TotalSeconds:F1} s, analyzers {analyzerTime.TotalSeconds:F1} s), CPU {cpu.TotalSeconds:F1} s."));

        // The mutants reach the generator's and the analyzers' work, not only their early exits (the
        // mutants of one file in a compilation merge into one partial class: one generated file).
        Assert.True(generatedFiles > randoms.Length * 5, $"only {generatedFiles} generated files in {randoms.Length} compilations");
        Assert.True(callbackGenDiagnostics > total / 100, $"only {callbackGenDiagnostics} CallbackGen diagnostics for {total} mutants");

        // A handler without its [Callback] and a written field without its [Checkpointed] or [Transient] are reported.
        string[] removalIds = removals.SelectMany(r => r.AnalyzerDiagnostics).Select(d => d.Id).Distinct().ToArray();
        Assert.Contains("CBG0006", removalIds);
        Assert.Contains("CBG0013", removalIds);
    }

    private static bool IsCallbackGen(Diagnostic d) => d.Id.StartsWith("CBG", StringComparison.Ordinal);

    [Fact]
    public void The_unmutated_runtime_builds_with_its_generated_dispatch_and_no_CallbackGen_diagnostic()
    {
        // The runtime compiled from source as its project does, so its callbacks are valid as written.
        var files = RepositoryFiles.CSharpFiles("Runtime")
            .Where(f => !f.Path.StartsWith("Runtime/build/", StringComparison.Ordinal))
            .Concat(RepositoryFiles.CSharpFiles("Shared").Where(f => LinkedIntoRuntime.Contains(f.Path)))
            .ToArray();
        ToolRun run = ToolRun.Build(
            files.Select(f => CSharpSyntaxTree.ParseText(f.Text, BuildInputs.RuntimeParseOptions, path: f.Path)),
            BuildInputs.RuntimeDependencies,
            BuildInputs.RuntimeParseOptions,
            assemblyName: "CallbackGen",
            buildProperties: RuntimeBuildProperties);

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

    // The properties the runtime's project sets for its own generator run (the catalogue's enums), read from the project file.
    private static readonly Dictionary<string, string> RuntimeBuildProperties = System.Text.RegularExpressions.Regex
        .Matches(File.ReadAllText(RepositoryFiles.PathOf("Runtime", "CallbackGen.csproj")), "<(CallbackGen[A-Za-z]+)>([^<]*)</\\1>")
        .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

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
            .Where(f => DeclaresWhatTheToolsRead(f.Text))
            .Select(f => new TokenMutator(f.Path, f.Text, BuildInputs.ParseOptions))
            .ToArray();

    // An attribute of CallbackGen's (by name, with or without the namespace and suffix) or a class deriving from Callback.
    private static bool DeclaresWhatTheToolsRead(string text)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(text, BuildInputs.ParseOptions).GetRoot();
        return root.DescendantNodes().OfType<AttributeSyntax>().Any(a => ToolAttributes.Contains(LastName(a.Name)))
            || root.DescendantNodes().OfType<BaseTypeSyntax>().Any(b => LastName(b.Type) == "Callback");
    }

    private static readonly HashSet<string> ToolAttributes = new(StringComparer.Ordinal)
    {
        "Callback", "CallbackAttribute", "Annealer", "AnnealerAttribute", "Checkpointed", "CheckpointedAttribute", "Transient", "TransientAttribute",
    };

    private static string LastName(TypeSyntax name) => name.ToString().Split('.')[^1];

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
