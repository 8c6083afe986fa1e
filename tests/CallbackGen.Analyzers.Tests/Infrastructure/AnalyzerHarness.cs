using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using CallbackGen.Analyzers;
using CallbackGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Compiles user code the way a build does (the .NET 10 reference assemblies, offline; the CallbackGen
/// runtime; the generator's output added) and runs the CallbackGen analyzers on it.
/// </summary>
public static class AnalyzerHarness
{
    public static readonly Lazy<MetadataReference[]> References = new(() =>
        Net100.References.All
            .Concat(new[] { typeof(Callback).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location }
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)))
            .ToArray());

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilationOptions CompilationOptions { get; } =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } =
        ImmutableArray.Create<DiagnosticAnalyzer>(new CallbackAnalyzer(), new AnnealerAnalyzer(), new EventStateAnalyzer(), new StateAnalyzer(), new ScalarAnalyzer());

    /// <summary>The user's sources compiled with the generator's output, as in a build.</summary>
    public static Compilation CompileWithGenerator(params string[] sources) => CompileWithGenerator(CompilationOptions, string.Empty, sources);

    /// <summary>As <see cref="CompileWithGenerator(string[])"/>, with the sources under <paramref name="directory"/>.</summary>
    public static Compilation CompileWithGenerator(CSharpCompilationOptions options, string directory, params string[] sources)
    {
        var input = CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: directory + $"Source{i}.cs")),
            References.Value,
            options);
        CSharpGeneratorDriver.Create(new[] { new CallbackGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return output;
    }

    /// <summary>The CallbackGen diagnostics of the sources, ordered by position.</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation) =>
        compilation.WithAnalyzers(Analyzers)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult()
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();

    /// <summary>Compiler errors (not warnings) of a compilation: fixtures must be valid C# apart from what is analysed.</summary>
    public static Diagnostic[] CompilerErrors(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
}
