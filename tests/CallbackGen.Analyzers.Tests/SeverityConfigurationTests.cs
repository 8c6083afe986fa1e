using System.Collections.Immutable;
using System.Globalization;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests;

/// <summary>
/// Diagnostics sit on the identifier, so the usual switches apply to them: <c>#pragma warning</c>
/// around the method and <c>dotnet_diagnostic.CBG####.severity</c> in <c>.editorconfig</c>.
/// </summary>
public sealed class SeverityConfigurationTests
{
    private const string Source = """
        using CallbackGen;
        public partial class Meter : Callback
        {
            [Callback] private void AfterBtach() { }
            private void AfterEpoch() { }
        }
        """;

    [Fact]
    public void Pragma_around_the_method_disables_the_diagnostic()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback]
            #pragma warning disable CBG0001 // deliberately not an event
                private void AfterBtach() { }
            #pragma warning restore CBG0001
            #pragma warning disable CBG0006
                private void AfterEpoch() { }
            #pragma warning restore CBG0006
            }
            """);
    }

    [Fact]
    public void Editorconfig_severities_raise_and_silence_rules()
    {
        AnalyzerConfig config = AnalyzerConfig.Parse(
            """
            root = true
            [*.cs]
            dotnet_diagnostic.CBG0001.severity = none
            dotnet_diagnostic.CBG0006.severity = error
            """,
            "/src/.editorconfig");
        AnalyzerConfigSet set = AnalyzerConfigSet.Create(ImmutableArray.Create(config));
        CSharpCompilationOptions options = AnalyzerHarness.CompilationOptions.WithSyntaxTreeOptionsProvider(new EditorConfigOptions(set));

        Compilation compilation = AnalyzerHarness.CompileWithGenerator(options, "/src/", Source);
        Diagnostic only = Assert.Single(AnalyzerHarness.Analyze(compilation));

        Assert.Equal("CBG0006", only.Id);
        Assert.Equal(DiagnosticSeverity.Error, only.Severity);
        Assert.Equal("AfterEpoch", only.Location.SourceTree!.GetText().ToString(only.Location.SourceSpan));
        Assert.StartsWith("'AfterEpoch' is named like a training event", only.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_configuration_both_rules_report_at_their_default_severity()
    {
        var diagnostics = AnalyzerHarness.Analyze(AnalyzerHarness.CompileWithGenerator(Source));

        Assert.Equal(new[] { ("CBG0001", DiagnosticSeverity.Error), ("CBG0006", DiagnosticSeverity.Warning) }, diagnostics.Select(d => (d.Id, d.Severity)));
    }

    // What the compiler builds from .editorconfig files for a real build.
    private sealed class EditorConfigOptions(AnalyzerConfigSet set) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
            set.GetOptionsForSourcePath(tree.FilePath).TreeOptions.TryGetValue(diagnosticId, out severity);

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }
}
