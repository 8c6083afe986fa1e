using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CallbackGen.Generators.Tests;

/// <summary>The generated code compiles cleanly in the contexts users write in.</summary>
public class UserContextTests
{
    private const string Source = """
        #nullable disable
        using CallbackGen;

        namespace Legacy
        {
            public partial class Oblivious : Callback
            {
                [Callback(Every = 2, Once = true)] private void AfterBatch() { }
                [Callback(Order = 1)] private void BeforeFit() { }
            }

            public static partial class Curves
            {
                [Annealer] public static double Labelled(string label, double scale, double pos) => label.Length * scale * pos;
            }

            public static partial class Generic<TValue>
            {
                [Annealer] internal static double Pick(TValue value, System.Func<TValue, double> f, double pos) => f(value) * pos;
            }
        }
        """;

    [Theory]
    [InlineData(LanguageVersion.CSharp8)]
    [InlineData(LanguageVersion.CSharp10)]
    [InlineData(LanguageVersion.Latest)]
    public void Generated_code_compiles_without_warnings_in_a_nullable_oblivious_file_from_CSharp_8_on(LanguageVersion version)
    {
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithLanguageVersion(version);
        var (result, output) = GeneratorHarness.Run(options, Source);

        GeneratorHarness.AssertCleanCompile(result, output);
        Assert.Equal(
            new[] { "Legacy.Curves.Annealers.g.cs", "Legacy.Generic{1}.Annealers.g.cs", "Legacy.Oblivious.Callback.g.cs" },
            GeneratorHarness.HintNames(result));
    }

    [Fact]
    public void An_annealer_of_a_generic_static_class_is_partially_applied()
    {
        var (_, output) = GeneratorHarness.Run(Source);
        Type closed = GeneratorHarness.Load(output).GetType("Legacy.Generic`1", throwOnError: true)!.MakeGenericType(typeof(string));
        Func<string, double> length = s => s.Length;

        var schedule = (Schedule)closed.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
            .Single(m => m.Name == "Pick" && m.ReturnType == typeof(Schedule))
            .Invoke(null, new object[] { "four", length })!;

        Assert.Equal(2.0, schedule(0.5));
    }
}
