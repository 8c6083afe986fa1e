using System.Reflection;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

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

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "UserAssembly_" + Guid.NewGuid().ToString("N"),
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = true) => CSharpGeneratorDriver.Create(
        new[] { new CallbackGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the run result and the compilation with generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>The generated source with the given hint name suffix.</summary>
    public static string Generated(GeneratorDriverRunResult result, string hintNameEnd) =>
        result.Results.SelectMany(r => r.GeneratedSources)
            .Single(s => s.HintName.EndsWith(hintNameEnd, StringComparison.Ordinal))
            .SourceText.ToString();

    /// <summary>Compiles the output (failing on any error or warning) and loads it.</summary>
    public static Assembly Load(Compilation output)
    {
        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(emit.Success && problems.Length == 0, string.Join(Environment.NewLine, problems.Select(d => d.ToString())));
        return Assembly.Load(pe.ToArray());
    }
}
