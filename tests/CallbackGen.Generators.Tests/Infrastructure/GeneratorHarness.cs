extern alias Generators;

using System.Reflection;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Generators::CallbackGen.Generators;

namespace CallbackGen.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the generator in memory on C# sources against the .NET 10 reference assemblies (offline)
/// plus the CallbackGen runtime and TorchSharp, and optionally compiles and loads the result.
/// </summary>
public static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Net100.References.All
            .Concat(new[] { typeof(Callback).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location }
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)))
            .ToArray());

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) => Compile(ParseOptions, sources);

    public static CSharpCompilation Compile(CSharpParseOptions options, params string[] sources) => CSharpCompilation.Create(
        "UserAssembly_" + Guid.NewGuid().ToString("N"),
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, options, path: $"Source{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
            // As the SDK does: TorchSharp is built against an older System.Runtime, which unifies fine.
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));

    public static GeneratorDriver CreateDriver(bool trackSteps = true, CSharpParseOptions? options = null) => CSharpGeneratorDriver.Create(
        new[] { new CallbackGenerator().AsSourceGenerator() },
        parseOptions: options ?? ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the run result and the compilation with generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources) => Run(ParseOptions, sources);

    /// <summary>Runs the generator with the given parse options (for example documentation diagnostics on).</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(CSharpParseOptions options, params string[] sources)
    {
        CSharpCompilation input = Compile(options, sources);
        GeneratorDriver driver = CreateDriver(options: options).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generated source with the given hint name suffix.</summary>
    public static string Generated(GeneratorDriverRunResult result, string hintNameEnd) =>
        result.Results.SelectMany(r => r.GeneratedSources)
            .Single(s => s.HintName.EndsWith(hintNameEnd, StringComparison.Ordinal))
            .SourceText.ToString();

    /// <summary>Every generated file, in hint-name order, each under a line that names it: one snapshot text.</summary>
    public static string AllGenerated(GeneratorDriverRunResult result) => string.Join(
        "\n",
        result.Results.SelectMany(r => r.GeneratedSources)
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .Select(s => $"//// {s.HintName}\n{s.SourceText}"));

    /// <summary>The generated file names, sorted.</summary>
    public static string[] HintNames(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName).OrderBy(h => h, StringComparer.Ordinal).ToArray();

    /// <summary>Fails unless the generator reported nothing and the output compiles with no warning.</summary>
    public static void AssertCleanCompile(GeneratorDriverRunResult result, Compilation output)
    {
        Assert.Empty(result.Diagnostics);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems.Select(d => d.ToString())));
    }

    /// <summary>Compiles the output (failing on any error or warning) and loads it.</summary>
    public static Assembly Load(Compilation output)
    {
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(emit.Success && problems.Length == 0, string.Join(Environment.NewLine, problems.Select(d => d.ToString())));
        return Assembly.Load(pe.ToArray());
    }

    /// <summary>Runs the generator on the sources, compiles and loads the result.</summary>
    public static Assembly Build(params string[] sources)
    {
        var (result, output) = Run(sources);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        return Load(output);
    }
}
