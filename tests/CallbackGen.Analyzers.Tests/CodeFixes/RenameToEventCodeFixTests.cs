using CallbackGen.CodeFixes;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0001 and CBG0002 fixes: rename the handler (and its references) to the event.</summary>
public sealed class RenameToEventCodeFixTests
{
    private readonly RenameToEventCodeFixProvider provider = new();

    [Fact]
    public async Task Misspelt_handler_is_renamed_to_the_suggested_event_with_its_references()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBtach() { }
                [Callback] private void AfterEpoch() => AfterBtach();
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
                [Callback] private void AfterEpoch() => AfterBatch();
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0001");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Seed_name_is_renamed_to_the_v2_name()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeginBatch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeBatch() { }
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0002");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_renames_every_misspelt_handler()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBtach() { }
                [Callback] private void after_loss() { }
            }
            public partial class Timer : Callback
            {
                [Callback] private void BefreFit() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
                [Callback] private void AfterLoss() { }
            }
            public partial class Timer : Callback
            {
                [Callback] private void BeforeFit() { }
            }
            """;

        string fixedSource = await FixAllAsync(provider, before, "CBG0001");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_renames_every_seed_name()
    {
        const string before = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeginFit() { }
                [Callback] private void BeginEpoch() { }
                [Callback] private void BeginValidate() { }
                [Callback] private void BeginBatch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeFit() { }
                [Callback] private void BeforeEpoch() { }
                [Callback] private void BeforeValidate() { }
                [Callback] private void BeforeBatch() { }
            }
            """;

        string fixedSource = await FixAllAsync(provider, before, "CBG0002");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task No_rename_is_offered_onto_an_existing_handler()
    {
        const string source = """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeBatch() { }
                [Callback] private void BeginBatch() { }
            }
            """;

        Assert.Empty(await ActionsForFirstAsync(provider, source, "CBG0002"));
    }
}
