using System.Globalization;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Analyzers.Tests.Infrastructure;

/// <summary>Asserts the exact CallbackGen diagnostics (ID, span, message) of marked-up sources.</summary>
public static class DiagnosticVerifier
{
    /// <summary>An expected diagnostic; its span is the next <c>[|…|]</c> of the markup.</summary>
    public sealed record Expected(string Id, string Message);

    public static Expected Diagnostic(string id, string message) => new(id, message);

    /// <summary>
    /// Compiles <paramref name="marked"/> (which must be valid C#), runs the analyzers, and asserts that
    /// the diagnostics are exactly <paramref name="expected"/>, in source order, on the marked spans.
    /// </summary>
    public static void Verify(string marked, params Expected[] expected)
    {
        (string source, IReadOnlyList<Microsoft.CodeAnalysis.Text.TextSpan> spans) = Markup.Parse(marked);
        Assert.True(spans.Count == expected.Length, $"the markup has {spans.Count} spans for {expected.Length} expected diagnostics");

        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source);
        Diagnostic[] errors = AnalyzerHarness.CompilerErrors(compilation);
        Assert.True(errors.Length == 0, "the fixture does not compile: " + string.Join(Environment.NewLine, errors.Select(e => e.ToString())));

        var actual = AnalyzerHarness.Analyze(compilation);
        string Describe(IEnumerable<string> lines) => string.Join(Environment.NewLine, lines);
        var actualLines = actual.Select(d => $"{d.Id} {d.Location.SourceSpan} {d.GetMessage(CultureInfo.InvariantCulture)}").ToArray();
        var expectedLines = expected.Select((e, i) => $"{e.Id} {spans[i]} {e.Message}").ToArray();
        Assert.True(actualLines.SequenceEqual(expectedLines),
            $"expected:{Environment.NewLine}{Describe(expectedLines)}{Environment.NewLine}actual:{Environment.NewLine}{Describe(actualLines)}");
    }

    /// <summary>Asserts that the source compiles without errors and gets no CallbackGen diagnostic.</summary>
    public static void VerifyClean(string source) => Verify(source);
}
