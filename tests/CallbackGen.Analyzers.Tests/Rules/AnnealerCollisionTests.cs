using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0008: the generated <c>Schedule F(leading parameters)</c> would collide with an existing member.</summary>
public sealed class AnnealerCollisionTests
{
    [Fact]
    public void Hand_written_overload_with_the_generated_signature_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public static partial class Curves
            {
                [Annealer] public static double [|Step|](double start, double end, double pos) => pos < 0.5 ? start : end;
                public static Schedule Step(double start, double end) => pos => start;
            }
            """,
            Diagnostic("CBG0008", "The generated 'Schedule Step(double, double)' of annealer 'Step' would collide with the existing 'Curves.Step(double, double)'; rename one of them"));
    }

    [Fact]
    public void Annealer_whose_factory_has_the_signature_of_another_annealer_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public static partial class Curves
            {
                [Annealer] public static double Poly(double start, double pos) => start * pos;
                [Annealer] public static double [|Poly|](double start, double power, double pos) => start * System.Math.Pow(pos, power);
            }
            """,
            Diagnostic("CBG0008", "The generated 'Schedule Poly(double, double)' of annealer 'Poly' would collide with the existing 'Curves.Poly(double, double)'; rename one of them"));
    }

    [Fact]
    public void Overload_differing_only_by_ref_is_a_collision_as_the_generator_skips_it()
    {
        Verify(
            """
            using CallbackGen;
            public static partial class Curves
            {
                [Annealer] public static double [|Step|](double start, double end, double pos) => pos < 0.5 ? start : end;
                public static double Step(ref double start, ref double end) => start + end;
            }
            """,
            Diagnostic("CBG0008", "The generated 'Schedule Step(double, double)' of annealer 'Step' would collide with the existing 'Curves.Step(ref double, ref double)'; rename one of them"));
    }

    [Fact]
    public void Overloads_with_other_parameter_types_and_the_generated_factory_itself_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public static partial class Curves
            {
                [Annealer] public static double Step(double start, double end, double pos) => pos < 0.5 ? start : end;
                public static double Step(int start, int end) => start + end;
                public static double Use() => Step(1.0, 2.0)(0.5);
            }
            """);
    }
}
