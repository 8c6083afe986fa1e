using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Generators.Tests;

/// <summary>
/// Invalid input is skipped without output and without an exception (the analyzers report it);
/// a class keeps its valid handlers when one of them is invalid.
/// </summary>
public class InvalidInputTests
{
    [Theory]
    [InlineData("not partial", "public class C : Callback { [Callback] private void BeforeFit() { } }")]
    [InlineData("containing type not partial", "public class Outer { public partial class C : Callback { [Callback] private void BeforeFit() { } } }")]
    [InlineData("not a callback", "public partial class C { [Callback] private void BeforeFit() { } }")]
    [InlineData("unknown event", "public partial class C : Callback { [Callback] private void BeforeEverything() { } }")]
    [InlineData("seed name", "public partial class C : Callback { [Callback] private void BeginBatch() { } }")]
    [InlineData("static handler", "public partial class C : Callback { [Callback] private static void BeforeFit() { } }")]
    [InlineData("handler with a parameter", "public partial class C : Callback { [Callback] private void BeforeFit(int x) { } }")]
    [InlineData("generic handler", "public partial class C : Callback { [Callback] private void BeforeFit<T>() { } }")]
    [InlineData("async handler", "public partial class C : Callback { [Callback] private async void BeforeFit() { await System.Threading.Tasks.Task.Yield(); } }")]
    [InlineData("non-void handler", "public partial class C : Callback { [Callback] private int BeforeFit() => 1; }")]
    [InlineData("partial method handler", "public partial class C : Callback { [Callback] partial void BeforeFit(); partial void BeforeFit() { } }")]
    [InlineData("extern handler", "public partial class C : Callback { [Callback] private extern void BeforeFit(); }")]
    [InlineData("abstract handler", "public abstract partial class C : Callback { [Callback] protected abstract void BeforeFit(); }")]
    [InlineData("annealer not static", "public partial class C { [Annealer] public double F(double a, double pos) => a; }")]
    [InlineData("annealer class not static", "public partial class C { [Annealer] public static double F(double a, double pos) => a; }")]
    [InlineData("annealer class not partial", "public static class C { [Annealer] public static double F(double a, double pos) => a; }")]
    [InlineData("annealer returns float", "public static partial class C { [Annealer] public static float F(double a, double pos) => 0; }")]
    [InlineData("annealer position not double", "public static partial class C { [Annealer] public static double F(double a, int pos) => a; }")]
    [InlineData("annealer with nothing to apply", "public static partial class C { [Annealer] public static double F(double pos) => pos; }")]
    [InlineData("annealer with a ref parameter", "public static partial class C { [Annealer] public static double F(ref double a, double pos) => a; }")]
    [InlineData("annealer generic method", "public static partial class C { [Annealer] public static double F<T>(T a, double pos) => pos; }")]
    [InlineData("annealer overload exists", "public static partial class C { [Annealer] public static double F(double a, double pos) => a; public static Schedule F(double a) => p => a; }")]
    public void Invalid_input_generates_nothing_and_throws_nothing(string what, string declaration)
    {
        var (result, _) = GeneratorHarness.Run("using CallbackGen;\nnamespace User;\n" + declaration);

        Assert.True(result.Results.Single().Exception is null, what);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.HintNames(result));
    }

    [Fact]
    public void A_class_keeps_its_valid_handlers_when_another_is_invalid()
    {
        var (result, _) = GeneratorHarness.Run("""
            using CallbackGen;
            namespace User;
            public partial class C : Callback
            {
                [Callback] private void BeforeFit() { }
                [Callback] private void AfterEverything() { }
                [Callback] private static void AfterFit() { }
                private void AfterBatch() { }
            }
            """);

        string text = GeneratorHarness.Generated(result, "User.C.Callback.g.cs");
        Assert.Contains("this.BeforeFit();", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AfterEverything", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AfterFit", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AfterBatch", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_whose_names_differ_only_in_case_get_distinct_files()
    {
        var (result, output) = GeneratorHarness.Run("""
            using CallbackGen;
            namespace User;
            public partial class Probe : Callback { [Callback] private void BeforeFit() { } }
            public partial class probe : Callback { [Callback] private void AfterFit() { } }
            public static partial class curves { [Annealer] public static double F(double a, double pos) => a; }
            public static partial class Curves { [Annealer] public static double F(double a, double pos) => a; }
            """);

        GeneratorHarness.AssertCleanCompile(result, output);
        Assert.Equal(
            new[] { "User.Curves.Annealers.g.cs", "User.Probe.Callback.g.cs", "User.curves_2.Annealers.g.cs", "User.probe_2.Callback.g.cs" },
            GeneratorHarness.HintNames(result));
    }

    [Fact]
    public void A_namespace_and_a_nested_type_of_the_same_path_get_distinct_files()
    {
        var (result, output) = GeneratorHarness.Run("""
            using CallbackGen;
            namespace A
            {
                public partial class B { public partial class C : Callback { [Callback] private void BeforeFit() { } } }
            }
            namespace A.B2
            {
                public partial class C : Callback { [Callback] private void BeforeFit() { } }
            }
            """);

        GeneratorHarness.AssertCleanCompile(result, output);
        Assert.Equal(new[] { "A.B-C.Callback.g.cs", "A.B2.C.Callback.g.cs" }, GeneratorHarness.HintNames(result));
    }

    [Fact]
    public void Overloaded_annealers_of_one_class_share_one_file_without_collision()
    {
        var (result, output) = GeneratorHarness.Run("""
            using CallbackGen;
            namespace User;
            public static partial class Curves
            {
                [Annealer] public static double F(double a, double pos) => a;
                [Annealer] public static double F(int a, double pos) => a;
                [Annealer] public static double F(double a, double b, double pos) => a + b;
                [Annealer] public static double G(double a, double b, double c, double pos) => a + b + c;
            }
            """);

        GeneratorHarness.AssertCleanCompile(result, output);
        string text = GeneratorHarness.Generated(result, "User.Curves.Annealers.g.cs");
        Assert.Contains("Schedule F(double a) =>", text, StringComparison.Ordinal);
        Assert.Contains("Schedule F(int a) =>", text, StringComparison.Ordinal);
        Assert.Contains("Schedule G(double a, double b, double c) =>", text, StringComparison.Ordinal);

        // F(a, b, pos) would get F(double, double): the annealer F(a, pos) already has that signature.
        Assert.DoesNotContain("Schedule F(double a, double b)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Code_that_does_not_compile_yet_does_not_stop_the_generator()
    {
        var (result, _) = GeneratorHarness.Run("""
            using CallbackGen;
            namespace User;
            public partial class Half : Callback
            {
                [Callback(Order = )] private void BeforeFit() { var x = ; }
                [Callback(Order = "text")] private void AfterFit() { }
                [Callback] private void AfterBatch(
            }
            """);

        Assert.Null(result.Results.Single().Exception);
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CS8785");
    }
}
