using CallbackGen.CodeFixes;
using Microsoft.CodeAnalysis.CodeFixes;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>
/// Every code fix's fix-all works the way <c>dotnet format</c> calls it (solution scope, no
/// equivalence key); before, the rename fix answered with no action ("didn't return a Fix All action").
/// </summary>
public sealed class FixAllLikeDotnetFormatTests
{
    [Fact]
    public async Task Rename_fixes_every_misspelt_handler()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBtach() { }
                [Callback] private void AfterEpoch() => AfterBtach();
            }
            public partial class Timer : Callback
            {
                [Callback] private void BefreFit() { }
            }
            """;

        string fixedSource = await FixAllLikeDotnetFormatAsync(new RenameToEventCodeFixProvider(), before, "CBG0001");

        Assert.Contains("private void AfterBatch() { }", fixedSource, StringComparison.Ordinal);
        Assert.Contains("AfterEpoch() => AfterBatch();", fixedSource, StringComparison.Ordinal);
        Assert.Contains("private void BeforeFit() { }", fixedSource, StringComparison.Ordinal);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Add_attribute_and_make_partial_fix_every_occurrence()
    {
        const string unattributed = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                private void AfterBatch() { }
                private void AfterEpoch() { }
            }
            """;
        const string notPartial = """
            using CallbackGen;
            public class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
            }
            public class Timer : Callback
            {
                [Callback] private void AfterEpoch() { }
            }
            """;

        string attributed = await FixAllLikeDotnetFormatAsync(new AddCallbackAttributeCodeFixProvider(), unattributed, "CBG0006");
        string partial = await FixAllLikeDotnetFormatAsync(new MakePartialCodeFixProvider(), notPartial, "CBG0004");

        AssertCompilesClean(attributed);
        AssertCompilesClean(partial);
    }

    [Fact]
    public void Every_code_fix_offers_fix_all_in_the_solution()
    {
        CodeFixProvider[] providers = typeof(RenameToEventCodeFixProvider).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToArray();

        Assert.Equal(6, providers.Length);
        Assert.All(providers, p => Assert.Contains(FixAllScope.Solution, p.GetFixAllProvider()!.GetSupportedFixAllScopes()));
    }
}

/// <summary>The CBG0011 fix-all from the analyzer's diagnostics, as dotnet format runs it.</summary>
public sealed class OverrideFixAllLikeDotnetFormatTests
{
    [Fact]
    public async Task Every_override_style_handler_becomes_a_Callback_handler()
    {
        const string before = """
            using CallbackGen;
            public sealed partial class Logger : Callback
            {
                public override void AfterEpoch() { }
                public override void AfterFit() { }
            }
            """;

        string fixedSource = await FixAllLikeDotnetFormatAsync(new OverrideToCallbackCodeFixProvider(), before, "CBG0011");

        Assert.DoesNotContain("override", fixedSource, StringComparison.Ordinal);
        AssertCompilesClean(fixedSource);
    }
}
