using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Analyzers.Tests;

/// <summary>
/// The generator skips invalid input silently and the analyzers report it: for each shape, the
/// generator emits code exactly when the analyzers are silent, so nothing is skipped unexplained.
/// </summary>
public sealed class GeneratorAgreementTests
{
    public static TheoryData<string> Annealers => new()
    {
        "[Annealer] public static double Lin(double start, double end, double pos) => start;",
        "[Annealer] public static double Lin(double start, double end, float pos) => start;",
        "[Annealer] public static float Lin(float start, double pos) => start;",
        "[Annealer] public static double Lin(double pos) => pos;",
        "[Annealer] public static double Lin() => 0;",
        "[Annealer] public static double Lin<T>(T start, double pos) => pos;",
        "[Annealer] public static double Lin(in double start, double pos) => pos;",
        "[Annealer] public static double Lin(double start, double end, double pos) => start; public static Schedule Lin(double a, double b) => p => a;",
        "[Annealer] public static double Lin(double start, double end, double pos) => start; public static int Lin(ref double a, ref double b) => 0;",
        "[Annealer] public static double Lin(double start, double end, double pos) => start; public static int Lin(int a, int b) => 0;",
        "[Annealer] public static double Lin(string? name, double pos) => pos; public static Schedule Lin(string name) => p => p;",
        "[Annealer] public static double Lin(System.ReadOnlySpan<double> points, double pos) => pos;",
        "[Annealer] public static double Lin(dynamic start, double pos) => pos;",
        "[Annealer] public static ref double Lin(double[] start, double pos) => ref start[0];",
        "[Annealer] internal static double Lin(decimal start, System.DateTime end, double pos) => pos;",
        "[Annealer] public static partial double Lin(double start, double pos); public static partial double Lin(double start, double pos) => start * pos;",
        "[Annealer] public static partial double Lin(double start, float pos); public static partial double Lin(double start, float pos) => start * pos;",
    };

    [Theory]
    [MemberData(nameof(Annealers))]
    public void Annealer_factory_is_generated_exactly_when_the_analyzers_are_silent(string member)
    {
        string source = "using CallbackGen;\npublic static partial class Curves\n{\n    " + member + "\n}\n";
        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source);
        Assert.Empty(AnalyzerHarness.CompilerErrors(compilation));
        bool generated = GeneratedMembers(compilation, "Curves", "Lin").Any();
        bool reported = AnalyzerHarness.Analyze(compilation).Any(d => d.Id is "CBG0007" or "CBG0008");
        Assert.True(generated != reported, $"generated: {generated}, reported: {reported}");
    }

    public static TheoryData<string> Handlers => new()
    {
        "public partial class Meter : Callback { [Callback] private void AfterBatch() { } }",
        "public partial class Meter : Callback { [Callback] private void AfterBtach() { } }",
        "public partial class Meter : Callback { [Callback] private void BeginBatch() { } }",
        "public partial class Meter : Callback { [Callback] private bool AfterBatch() => true; }",
        "public partial class Meter : Callback { [Callback] private static void AfterBatch() { } }",
        "public partial class Meter : Callback { [Callback] private void AfterBatch(int step) { } }",
        "public partial class Meter : Callback { [Callback] private void AfterBatch<T>() { } }",
        "public abstract partial class Meter : Callback { [Callback] protected abstract void AfterBatch(); }",
        "public class Meter : Callback { [Callback] private void AfterBatch() { } }",
        "public class Outer { public partial class Meter : Callback { [Callback] private void AfterBatch() { } } }",
        "public partial class Meter { [Callback] private void AfterBatch() { } }",
        "public partial class Meter : Callback { [Callback] private extern void AfterBatch(); }",
        "public partial class Meter : Callback { [Callback] partial void AfterBatch(); partial void AfterBatch() { } }",
        "public partial class Meter : Callback { [Callback] partial void AfterBatch(); }",
        "public partial struct Meter { [Callback] private void AfterBatch() { } }",
    };

    [Theory]
    [MemberData(nameof(Handlers))]
    public void Handler_dispatch_is_generated_exactly_when_the_analyzers_are_silent(string type)
    {
        string source = "using CallbackGen;\n" + type + "\n";
        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source);
        Assert.Empty(AnalyzerHarness.CompilerErrors(compilation));
        bool generated = GeneratedMembers(compilation, "Meter", "InvokeHandler").Any();
        bool reported = AnalyzerHarness.Analyze(compilation).Any(d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.True(generated != reported, $"generated: {generated}, reported: {reported}");
    }

    // Members named `name` of `type` that are declared in a generated tree (not in the user's Source0.cs).
    private static IEnumerable<ISymbol> GeneratedMembers(Compilation compilation, string type, string name) =>
        compilation.GetTypeByMetadataName(type)?.GetMembers(name)
            .Where(m => m.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath != "Source0.cs"))
        ?? Enumerable.Empty<ISymbol>();
}
