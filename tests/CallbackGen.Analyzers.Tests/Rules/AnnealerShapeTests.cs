using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0007: an [Annealer] that cannot become a <c>Schedule</c> factory.</summary>
public sealed class AnnealerShapeTests
{
    private const string Rule = "; an annealer is a static method returning double whose last parameter is the double position, after at least one other parameter, in a static partial class";

    [Theory]
    [InlineData("public static double [|Flat|]() => 0.1;", "Flat", "has no position parameter")]
    [InlineData("public static double [|Flat|](double pos) => pos;", "Flat", "has nothing to partially apply: it needs a parameter before the position")]
    [InlineData("public static float [|Half|](float start, double pos) => start / 2;", "Half", "returns 'float', not double")]
    [InlineData("public static void [|Half|](double start, double pos) { }", "Half", "returns 'void', not double")]
    [InlineData("public static double [|Lin|](double start, double end, float pos) => start + pos * (end - start);", "Lin", "has a 'float' position 'pos', which must be double")]
    [InlineData("public static double [|Lin|](double start, double end, int step) => start;", "Lin", "has a 'int' position 'step', which must be double")]
    [InlineData("public static double [|Lin|]<T>(T start, double pos) => pos;", "Lin", "is generic")]
    [InlineData("public static double [|Lin|](ref double start, double pos) => pos;", "Lin", "has a ref, out, in or params parameter 'start'")]
    [InlineData("public static double [|Lin|](double start, params double[] pos) => start;", "Lin", "has a 'double[]' position 'pos', which must be double and has a ref, out, in or params parameter 'pos'")]
    [InlineData("public static ref double [|Lin|](double[] start, double pos) => ref start[0];", "Lin", "returns by reference")]
    [InlineData("public static double [|Lin|](System.ReadOnlySpan<double> points, double pos) => pos;", "Lin", "has a parameter 'points' of type 'ReadOnlySpan<double>'; a ref struct, pointer or dynamic parameter cannot be captured by the generated Schedule")]
    public void Invalid_annealer_is_an_error_saying_what_is_wrong(string method, string name, string problem)
    {
        Verify(
            $$"""
            using CallbackGen;
            public static partial class Curves
            {
                [Annealer] {{method}}
            }
            """,
            Diagnostic("CBG0007", $"Annealer '{name}' {problem}{Rule}"));
    }

    [Fact]
    public void Instance_annealer_in_a_class_that_is_not_static_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Curves
            {
                [Annealer] public double [|Lin|](double start, double end, double pos) => start + pos * (end - start);
            }
            """,
            Diagnostic("CBG0007", $"Annealer 'Lin' is not static and is in 'Curves', which is not a static class{Rule}"));
    }

    [Fact]
    public void Annealer_in_a_class_or_containing_type_that_is_not_partial_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public class Outer
            {
                public static class Curves
                {
                    [Annealer] public static double [|Lin|](double start, double end, double pos) => start + pos * (end - start);
                }
            }
            """,
            Diagnostic("CBG0007", $"Annealer 'Lin' is in 'Curves' and 'Outer', which must be partial{Rule}"));
    }

    [Fact]
    public void Valid_annealers_give_nothing_and_their_factories_compile()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Outer
            {
                public static partial class Curves
                {
                    [Annealer] public static double Lin(double start, double end, double pos) => start + pos * (end - start);
                    [Annealer] internal static double Step(int steps, double start, double position) => start * System.Math.Floor(position * steps);
                }
            }
            public static class Use
            {
                public static double At(double pos) => Outer.Curves.Lin(1, 2)(pos) + Outer.Curves.Step(4, 1.0)(pos);
            }
            """);
    }
}
