using System.Globalization;
using CallbackGen.Analyzers.Tests.Infrastructure;
using CallbackGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>
/// CBG0011: an event-named method declared <c>override</c>. The compiler's CS0115 hides analyzer
/// diagnostics, so the generator reports it; these tests read the generator's diagnostics.
/// </summary>
public sealed class OverrideStyleHandlerTests
{
    [Fact]
    public void Override_of_an_event_name_is_reported_by_the_generator_next_to_CS0115()
    {
        const string source = """
            using CallbackGen;
            public partial class Outer
            {
                public class Logger<T> : Callback
                {
                    public override void AfterEpoch() { }
                    protected override void BeforeBatch() { }
                }
            }
            """;

        (Diagnostic[] generator, Diagnostic[] compiler) = Run(source);

        Assert.Equal(
            new[]
            {
                "CBG0011 (5,29): 'AfterEpoch' is declared 'override', but Callback has no virtual 'AfterEpoch' to override; CallbackGen handlers are [Callback] methods: remove 'override' and add [Callback]",
                "CBG0011 (6,32): 'BeforeBatch' is declared 'override', but Callback has no virtual 'BeforeBatch' to override; CallbackGen handlers are [Callback] methods: remove 'override' and add [Callback]",
            },
            generator.Select(d => $"{d.Id} ({d.Location.GetLineSpan().StartLinePosition.Line},{d.Location.GetLineSpan().StartLinePosition.Character}): {d.GetMessage(CultureInfo.InvariantCulture)}"));
        Assert.All(generator, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.Contains(compiler, d => d.Id == "CS0115");
    }

    [Fact]
    public void A_real_override_of_a_virtual_handler_and_an_override_outside_a_Callback_give_nothing()
    {
        const string source = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] protected virtual void AfterBatch() { }
            }
            public partial class LoudMeter : Meter
            {
                protected override void AfterBatch() { }
            }
            public abstract class Hooks { public abstract void AfterEpoch(); }
            public sealed class KerasStyle : Hooks { public override void AfterEpoch() { } }
            """;

        (Diagnostic[] generator, Diagnostic[] compiler) = Run(source);

        Assert.Empty(generator);
        Assert.DoesNotContain(compiler, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_generator_reports_the_analyzers_documented_descriptor()
    {
        const string source = "using CallbackGen;\npublic class Meter : Callback { public override void AfterEpoch() { } }\n";
        DiagnosticDescriptor generator = Assert.Single(Run(source).Generator).Descriptor, documented = DiagnosticDescriptors.OverrideStyleHandler;

        Assert.Equal(
            (documented.Id, documented.Title.ToString(CultureInfo.InvariantCulture), documented.MessageFormat.ToString(CultureInfo.InvariantCulture), documented.Category, documented.DefaultSeverity, documented.HelpLinkUri, documented.Description.ToString(CultureInfo.InvariantCulture)),
            (generator.Id, generator.Title.ToString(CultureInfo.InvariantCulture), generator.MessageFormat.ToString(CultureInfo.InvariantCulture), generator.Category, generator.DefaultSeverity, generator.HelpLinkUri, generator.Description.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>The generator's diagnostics and the compiler's, for one source compiled as a build would.</summary>
    internal static (Diagnostic[] Generator, Diagnostic[] Compiler) Run(string source)
    {
        var input = CSharpCompilation.Create(
            "UserAssembly",
            new[] { CSharpSyntaxTree.ParseText(source, AnalyzerHarness.ParseOptions, path: "Source0.cs") },
            AnalyzerHarness.References.Value,
            AnalyzerHarness.CompilationOptions);
        CSharpGeneratorDriver.Create(new[] { new CallbackGenerator().AsSourceGenerator() }, parseOptions: AnalyzerHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out var diagnostics);
        return (diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToArray(), output.GetDiagnostics().ToArray());
    }
}

/// <summary>
/// CBG0011 from the analyzer too, for the tools that run analyzers whatever the compiler errors
/// (dotnet format's fix-all, the IDE); a build shows only the generator's copy.
/// </summary>
public sealed class OverrideStyleHandlerAnalyzerTests
{
    [Fact]
    public async Task The_analyzer_reports_it_where_tools_ask_analyzers_despite_CS0115()
    {
        const string source = """
            using CallbackGen;
            public partial class Logger : Callback
            {
                public override void AfterEpoch() { }
                [Callback] protected virtual void AfterBatch() { }
            }
            public partial class Loud : Logger
            {
                protected override void AfterBatch() { }
            }
            """;
        var compilation = AnalyzerHarness.CompileWithGenerator(source);

        var diagnostics = await compilation.WithAnalyzers(AnalyzerHarness.Analyzers).GetAnalyzerDiagnosticsAsync();

        Diagnostic single = Assert.Single(diagnostics);
        Assert.Equal("CBG0011", single.Id);
        Assert.Equal(3, single.Location.GetLineSpan().StartLinePosition.Line);
    }
}
