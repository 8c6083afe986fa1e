using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using CallbackGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>
/// One build of a compilation as the compiler does it: every CallbackGen generator, then every
/// CallbackGen analyzer on the compilation with the generated files. Collects every exception a
/// generator or analyzer threw (a generator's shows as <c>GeneratorRunResult.Exception</c> and
/// CS8785; an analyzer's reaches <c>onAnalyzerException</c> and shows as AD0001).
/// </summary>
public sealed class ToolRun
{
    /// <summary>Every generator of the generator assembly (found by attribute, so a new one is covered too).</summary>
    public static ImmutableArray<ISourceGenerator> Generators { get; } = typeof(CallbackGenerator).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && t.GetCustomAttribute<GeneratorAttribute>() is not null)
        .Select(t => Activator.CreateInstance(t) switch
        {
            IIncrementalGenerator incremental => incremental.AsSourceGenerator(),
            ISourceGenerator generator => generator,
            var other => throw new InvalidOperationException($"{other} is not a generator"),
        })
        .ToImmutableArray();

    /// <summary>Every analyzer of the analyzer assembly (found by attribute, so a new one is covered too).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(CallbackAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    private ToolRun(GeneratorDriverRunResult generatorResult, Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics, ImmutableArray<Diagnostic> analyzerDiagnostics, IReadOnlyList<string> failures)
    {
        GeneratorResult = generatorResult;
        Output = output;
        GeneratorDiagnostics = generatorDiagnostics;
        AnalyzerDiagnostics = analyzerDiagnostics;
        Failures = failures;
    }

    /// <summary>What the generators did.</summary>
    public GeneratorDriverRunResult GeneratorResult { get; }

    /// <summary>The compilation with the generated files added.</summary>
    public Compilation Output { get; }

    /// <summary>The generator driver's diagnostics (CS8785 when a generator threw).</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>The analyzers' diagnostics on <see cref="Output"/>.</summary>
    public ImmutableArray<Diagnostic> AnalyzerDiagnostics { get; }

    /// <summary>One line per exception thrown or reported by a generator or an analyzer; empty when none.</summary>
    public IReadOnlyList<string> Failures { get; }

    /// <summary>Wall time of the generator run (parsing excluded).</summary>
    public TimeSpan GeneratorTime { get; private init; }

    /// <summary>Wall time of the analyzer run.</summary>
    public TimeSpan AnalyzerTime { get; private init; }

    /// <summary>How many files the generators added.</summary>
    public int GeneratedFiles => GeneratorResult.GeneratedTrees.Length;

    /// <summary>
    /// Runs the generators and analyzers over <paramref name="trees"/> (plus the implicit usings);
    /// <paramref name="concurrent"/> false keeps the run on the calling thread (when runs are already parallel);
    /// <paramref name="generators"/> and <paramref name="analyzers"/> replace CallbackGen's own (to test this class).
    /// </summary>
    public static ToolRun Build(IEnumerable<SyntaxTree> trees, IEnumerable<MetadataReference> references, CSharpParseOptions options, string assemblyName = "UserAssembly", OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary, bool concurrent = true,
        ImmutableArray<ISourceGenerator>? generators = null, ImmutableArray<DiagnosticAnalyzer>? analyzers = null, IReadOnlyDictionary<string, string>? buildProperties = null) =>
        Build(Template(references, options, assemblyName, outputKind, concurrent).AddSyntaxTrees(trees), options, concurrent, generators, analyzers, buildProperties);

    /// <summary>
    /// An empty compilation (the implicit usings only) to add sources to: compilations made from one
    /// template share its bound references, so many small runs cost little more than one large one.
    /// </summary>
    public static CSharpCompilation Template(IEnumerable<MetadataReference> references, CSharpParseOptions options, string assemblyName = "UserAssembly", OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary, bool concurrent = true) =>
        CSharpCompilation.Create(
            assemblyName,
            new[] { BuildInputs.ImplicitUsings(options) },
            references,
            BuildInputs.CompilationOptions.WithOutputKind(outputKind).WithConcurrentBuild(concurrent));

    /// <summary>As the other overload, on a compilation that holds its sources (made from a <see cref="Template"/>).</summary>
    public static ToolRun Build(CSharpCompilation input, CSharpParseOptions options, bool concurrent = true,
        ImmutableArray<ISourceGenerator>? generators = null, ImmutableArray<DiagnosticAnalyzer>? analyzers = null, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // MSBuild properties the project makes visible to the compiler (build_property.NAME), as a build passes them.
        var optionsProvider = new BuildPropertyOptions(buildProperties ?? new Dictionary<string, string>());
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators ?? Generators, parseOptions: options, optionsProvider: optionsProvider)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult result = driver.GetRunResult();
        TimeSpan generatorTime = clock.Elapsed;

        var failures = new ConcurrentQueue<string>();
        foreach (GeneratorRunResult run in result.Results.Where(r => r.Exception is not null))
        {
            failures.Enqueue($"generator {run.Generator.GetGeneratorType().Name} threw {run.Exception}");
        }

        foreach (Diagnostic d in generatorDiagnostics.Concat(result.Diagnostics).Where(d => d.Id == "CS8785"))
        {
            failures.Enqueue($"generator reported {d}");
        }

        var analyzerOptions = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => failures.Enqueue($"analyzer {analyzer.GetType().Name} threw {exception}"),
            concurrentAnalysis: concurrent,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> analyzerDiagnostics = output.WithAnalyzers(analyzers ?? Analyzers, analyzerOptions)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        foreach (Diagnostic d in analyzerDiagnostics.Where(d => d.Id == "AD0001"))
        {
            failures.Enqueue($"analyzer reported {d}");
        }

        return new ToolRun(result, output, generatorDiagnostics, analyzerDiagnostics, failures.ToArray())
        {
            GeneratorTime = generatorTime,
            AnalyzerTime = clock.Elapsed - generatorTime,
        };
    }

    private sealed class BuildPropertyOptions(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
    {
        private static readonly Options None = new(new Dictionary<string, string>());

        public override AnalyzerConfigOptions GlobalOptions { get; } =
            new Options(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => None;

        private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
                values.TryGetValue(key, out value);
        }
    }
}
