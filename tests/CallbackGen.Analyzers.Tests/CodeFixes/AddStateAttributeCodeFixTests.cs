using CallbackGen.CodeFixes;
using static CallbackGen.Analyzers.Tests.Infrastructure.CodeFixHarness;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0013 fixes: add <c>[Checkpointed]</c> or <c>[Transient]</c>, one member or all of them.</summary>
public sealed class AddStateAttributeCodeFixTests
{
    private const string Before = """
        using System.Collections.Generic;
        using CallbackGen;
        public partial class Meter : Callback
        {
            /// <summary>Batches so far.</summary>
            private int batches;
            public double Best { get; private set; }
            private List<double> history = new();

            [Callback] private void AfterBatch() { batches++; Best = batches; history = new List<double> { Best }; }
        }
        """;

    private readonly AddStateAttributeCodeFixProvider provider = new();

    [Fact]
    public async Task Both_fixes_are_offered()
    {
        var actions = await ActionsForFirstAsync(provider, Before, "CBG0013");

        Assert.Equal(
            new[] { AddStateAttributeCodeFixProvider.CheckpointedKey, AddStateAttributeCodeFixProvider.TransientKey },
            actions.Select(a => a.EquivalenceKey));
    }

    [Fact]
    public async Task Checkpointed_goes_above_the_field_below_its_doc_comment()
    {
        string fixedSource = await FixOneAsync(provider, Before, "CBG0013", AddStateAttributeCodeFixProvider.CheckpointedKey);

        Assert.Contains("""
                /// <summary>Batches so far.</summary>
                [Checkpointed]
                private int batches;
            """, fixedSource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fix_all_with_Checkpointed_marks_every_member_and_the_result_is_clean()
    {
        string fixedSource = await FixAllAsync(provider, Before, "CBG0013", AddStateAttributeCodeFixProvider.CheckpointedKey);

        Assert.Equal(3, fixedSource.Split("[Checkpointed]").Length - 1);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_with_Transient_marks_every_member_and_the_result_is_clean()
    {
        string fixedSource = await FixAllAsync(provider, Before, "CBG0013", AddStateAttributeCodeFixProvider.TransientKey);

        Assert.Contains("""
                [Transient]
                public double Best { get; private set; }
            """, fixedSource, StringComparison.Ordinal);
        Assert.Equal(3, fixedSource.Split("[Transient]").Length - 1);
        AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Qualified_name_is_used_where_CallbackGen_is_not_imported()
    {
        const string before = """
            public partial class Meter : CallbackGen.Callback
            {
                private int batches;
                [CallbackGen.Callback] private void AfterBatch() => batches++;
            }
            """;

        string fixedSource = await FixOneAsync(provider, before, "CBG0013", AddStateAttributeCodeFixProvider.TransientKey);

        Assert.Contains("    [CallbackGen.Transient]\n    private int batches;", fixedSource.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        AssertCompilesClean(fixedSource);
    }
}
