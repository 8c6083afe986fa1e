using CallbackGen.CodeFixes;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0006 fix: add <c>[Callback]</c> so the event-named method runs.</summary>
public sealed class AddCallbackAttributeCodeFixTests
{
    private readonly AddCallbackAttributeCodeFixProvider provider = new();

    [Fact]
    public async Task Attribute_is_added_above_the_method_below_its_doc_comment()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                /// <summary>Counts a batch.</summary>
                private void AfterBatch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                /// <summary>Counts a batch.</summary>
                [Callback]
                private void AfterBatch() { }
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0006");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Qualified_name_is_used_where_CallbackGen_is_not_imported()
    {
        const string before = """
            namespace Training
            {
                public sealed partial class Meter : CallbackGen.Callback
                {
                    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051")]
                    private void AfterBatch() { }
                }
            }
            """;
        const string after = """
            namespace Training
            {
                public sealed partial class Meter : CallbackGen.Callback
                {
                    [CallbackGen.Callback]
                    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051")]
                    private void AfterBatch() { }
                }
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0006");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_adds_the_attribute_to_every_forgotten_handler()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                private void BeforeFit() { }
                private void AfterBatch() { }
            }
            public partial class Timer : Callback
            {
                private void AfterEpoch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback]
                private void BeforeFit() { }
                [Callback]
                private void AfterBatch() { }
            }
            public partial class Timer : Callback
            {
                [Callback]
                private void AfterEpoch() { }
            }
            """;

        string fixedSource = await FixAllAsync(provider, before, "CBG0006");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }
}
