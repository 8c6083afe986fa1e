using System.Reflection;
using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CallbackGen.Generators.Tests.Behaviour;

/// <summary>[Annealer] methods become partial-application factories that compile and compute.</summary>
public class AnnealerTests
{
    private static readonly Type Curves = UserCode.Type("UserCurves");

    [Fact]
    public void The_runtimes_own_annealers_were_generated()
    {
        Assert.Equal(1.3, Schedules.Lin(1, 2)(0.3), 12);
        Assert.Equal(0.0316227766016838, Schedules.Exp(1e-3, 1)(0.5), 12);
    }

    [Fact]
    public void A_user_annealer_with_two_leading_parameters_is_partially_applied()
    {
        Schedule lin = Factory(Curves, "Lin", 1.0, 2.0);

        Assert.Equal(1.3, lin(0.3), 12);
        Assert.Equal(1.0, lin(0));
        Assert.Equal(2.0, lin(1));
    }

    [Fact]
    public void A_user_annealer_with_extra_parameters_of_other_types_works()
    {
        Schedule warm = Factory(Curves, "Warm", 0.1, 1.0, 4, "abc");

        Assert.Equal(0.1, warm(0.2));
        Assert.Equal(4.0, warm(0.5));
    }

    [Fact]
    public void An_annealer_in_a_nested_static_class_is_generated()
    {
        Schedule step = Factory(UserCode.Type("UserCurves+Nested"), "Step", -1.0, 1.0);

        Assert.Equal(-1.0, step(0.25));
        Assert.Equal(1.0, step(0.75));
    }

    [Fact]
    public void The_generated_factory_has_the_annealers_accessibility()
    {
        foreach (string name in new[] { "Lin", "Warm", "Hidden" })
        {
            MethodInfo[] both = Curves.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(m => m.Name == name).ToArray();
            MethodInfo original = both.Single(m => m.ReturnType == typeof(double));
            MethodInfo factory = both.Single(m => m.ReturnType == typeof(Schedule));

            Assert.Equal(original.Attributes & MethodAttributes.MemberAccessMask, factory.Attributes & MethodAttributes.MemberAccessMask);
            Assert.Equal(original.GetParameters().SkipLast(1).Select(p => (p.ParameterType, p.Name)), factory.GetParameters().Select(p => (p.ParameterType, p.Name)));
        }

        // The private one is reachable from its own class.
        Assert.Equal(1.5, (double)Curves.GetMethod("CallHidden")!.Invoke(null, new object[] { 3.0, 0.5 })!);
    }

    [Fact]
    public void Generated_documentation_is_valid_with_documentation_diagnostics_on()
    {
        // Copied summaries, derived param docs and verbatim crefs must give no CS15xx/CS17xx warning.
        CSharpParseOptions diagnose = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        var (result, output) = GeneratorHarness.Run(diagnose, """
            using CallbackGen;

            namespace Docs;

            /// <summary>Curves.</summary>
            public static partial class Curves
            {
                /// <summary>From <paramref name="start"/> by <see cref="System.Math.Cos(double)"/> at <paramref name="pos"/>.</summary>
                /// <param name="start">Start.</param>
                /// <param name="end">End.</param>
                /// <param name="pos">Position.</param>
                /// <returns>The value.</returns>
                [Annealer]
                public static double Cosine(double start, double end, double pos) => start + end + pos;

                /// <summary>No parameter docs at all.</summary>
                /// <returns>The value.</returns>
                [Annealer]
                public static double Sparse(System.Collections.Generic.List<int> values, int? cap, double pos) => pos;

                /// <summary>No docs for the generated one to copy.</summary>
                /// <param name="a">A.</param>
                /// <param name="pos">Position.</param>
                /// <returns>The value.</returns>
                [Annealer]
                public static double Partly(double a, double @event, double pos) => a + @event + pos;
            }
            """);

        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Diagnostic[] inGenerated = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
            .ToArray();
        Assert.True(inGenerated.Length == 0, string.Join(Environment.NewLine, inGenerated.Select(d => d.ToString())));
        string text = GeneratorHarness.Generated(result, "Docs.Curves.Annealers.g.cs");
        Assert.Contains("/// <summary>From <paramref name=\"start\" /> by <see cref=\"M:System.Math.Cos(System.Double)\" /> at <c>pos</c>.</summary>", text, StringComparison.Ordinal);
        Assert.Contains("/// <param name=\"end\">End.</param>", text, StringComparison.Ordinal);
    }

    private static Schedule Factory(Type type, string name, params object[] args)
    {
        MethodInfo factory = type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Single(m => m.Name == name && m.ReturnType == typeof(Schedule));
        return (Schedule)factory.Invoke(null, args)!;
    }
}
