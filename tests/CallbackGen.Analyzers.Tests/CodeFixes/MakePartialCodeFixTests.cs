using CallbackGen.CodeFixes;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0004 fix: add <c>partial</c> to the callback class and every containing type.</summary>
public sealed class MakePartialCodeFixTests
{
    private readonly MakePartialCodeFixProvider provider = new();

    [Fact]
    public async Task Class_and_every_containing_type_become_partial()
    {
        const string before = """
            using CallbackGen;
            namespace Training
            {
                // Outer holds the callbacks of one experiment.
                class Outer
                {
                    public static class Inner
                    {
                        /// <summary>Counts batches.</summary>
                        public sealed class Meter : Callback
                        {
                            [Callback] private void AfterBatch() { }
                        }
                    }
                }
            }
            """;
        const string after = """
            using CallbackGen;
            namespace Training
            {
                // Outer holds the callbacks of one experiment.
                partial class Outer
                {
                    public static partial class Inner
                    {
                        /// <summary>Counts batches.</summary>
                        public sealed partial class Meter : Callback
                        {
                            [Callback] private void AfterBatch() { }
                        }
                    }
                }
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0004");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_makes_shared_containing_types_partial_once()
    {
        const string before = """
            using CallbackGen;
            public static class Callbacks
            {
                public sealed class Meter : Callback
                {
                    [Callback] private void AfterBatch() { }
                }

                public sealed class Timer : Callback
                {
                    [Callback] private void AfterEpoch() { }
                }
            }
            """;
        const string after = """
            using CallbackGen;
            public static partial class Callbacks
            {
                public sealed partial class Meter : Callback
                {
                    [Callback] private void AfterBatch() { }
                }

                public sealed partial class Timer : Callback
                {
                    [Callback] private void AfterEpoch() { }
                }
            }
            """;

        string fixedSource = await FixAllAsync(provider, before, "CBG0004");

        Assert.Equal(after, fixedSource);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task No_fix_is_offered_for_a_class_that_is_not_a_Callback()
    {
        const string source = """
            using CallbackGen;
            public partial class Meter
            {
                [Callback] private void AfterBatch() { }
            }
            """;

        Assert.Empty(await ActionsForFirstAsync(provider, source, "CBG0004"));
    }
}
