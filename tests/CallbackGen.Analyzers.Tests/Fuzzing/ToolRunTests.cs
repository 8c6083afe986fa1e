using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers.Tests.Fuzzing;

/// <summary>The fuzz harness sees an exception from a generator or an analyzer (else the fuzz test could not fail).</summary>
public class ToolRunTests
{
    private static readonly SyntaxTree[] Source =
    {
        CSharpSyntaxTree.ParseText("namespace N; public sealed partial class C : CallbackGen.Callback { }", BuildInputs.ParseOptions),
    };

    [Fact]
    public void The_harness_finds_CallbackGen_generator_and_analyzers()
    {
        Assert.Contains(ToolRun.Generators, g => g.GetGeneratorType() == typeof(CallbackGen.Generators.CallbackGenerator));
        Assert.Contains(ToolRun.Analyzers, a => a is CallbackAnalyzer);
        Assert.Contains(ToolRun.Analyzers, a => a is AnnealerAnalyzer);
    }

    [Fact]
    public void A_generator_that_throws_is_a_failure()
    {
        ToolRun run = ToolRun.Build(Source, BuildInputs.UserReferences, BuildInputs.ParseOptions,
            generators: ImmutableArray.Create(new ThrowingGenerator().AsSourceGenerator()));

        Assert.Contains(run.Failures, f => f.Contains("ThrowingGenerator", StringComparison.Ordinal) && f.Contains("generator broke", StringComparison.Ordinal));
        Assert.Contains(run.Failures, f => f.Contains("CS8785", StringComparison.Ordinal));
    }

    [Fact]
    public void An_analyzer_that_throws_is_a_failure()
    {
        ToolRun run = ToolRun.Build(Source, BuildInputs.UserReferences, BuildInputs.ParseOptions,
            analyzers: ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()));

        Assert.Contains(run.Failures, f => f.Contains("ThrowingAnalyzer", StringComparison.Ordinal) && f.Contains("analyzer broke", StringComparison.Ordinal));
    }

    [Fact]
    public void CallbackGen_tools_on_valid_code_are_no_failure()
    {
        ToolRun run = ToolRun.Build(Source, BuildInputs.UserReferences, BuildInputs.ParseOptions);

        Assert.Empty(run.Failures);
    }

    private sealed class ThrowingGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            context.RegisterSourceOutput(context.CompilationProvider, (_, _) => throw new InvalidOperationException("generator broke"));
    }

    // A test double, never shipped: the rules for analyzer assemblies (release tracking, target
    // framework, no Workspaces reference) do not apply to it.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST0001", "t", "t", "t", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSymbolAction(_ => throw new InvalidOperationException("analyzer broke"), SymbolKind.NamedType);
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008
}
