namespace CallbackGen.Docs.Tests;

/// <summary>
/// Where the documentation shows what code prints (a ```csharp block followed by ```text output), the
/// code is run and its output compared, so a page cannot keep an output the product no longer prints
/// (issue 29: the README's dispatch plan and after-fit.md's summary had gone stale).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DocsOutputTests
{
    private static readonly Lazy<Dictionary<string, OutputBlock>> Pairs = new(() => OutputBlock.All().ToDictionary(p => p.Code.Location));

    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (string location in Pairs.Value.Keys)
        {
            data.Add(location);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_block_prints_the_output_the_page_shows(string location)
    {
        OutputBlock pair = Pairs.Value[location];
        using var context = new DocsRunContext();

        string? mismatch = pair.Mismatch(SnippetCompiler.Run(pair.Code, context));

        Assert.True(mismatch is null, mismatch);
    }

    [Fact]
    public void The_readme_and_after_fit_pages_have_outputs_to_check()
    {
        Assert.Contains(Pairs.Value.Values, p => p.Code.File == "README.md");
        Assert.Contains(Pairs.Value.Values, p => p.Code.File == "docs/after-fit.md");
    }

    [Fact]
    public void A_stale_output_fails_with_the_line_of_the_page_and_what_is_printed_now()
    {
        // The README's plan as it stood before issue 29: AfterEpoch without TrainEvalCallback and AvgStatsCallback.
        string page = """
            ```csharp
            Console.Write(learn.DescribeCallbacks());
            ```

            ```text output
            Dispatch plan: 2 callbacks (TrainEvalCallback, AvgStatsCallback), 9 of 23 events handled
            ...
                AfterEpoch                -
            ...
            ```
            """;
        OutputBlock stale = Assert.Single(OutputBlock.Pair(Markdown.Blocks("docs/stale.md", page).ToArray()));
        using var context = new DocsRunContext();

        string? mismatch = stale.Mismatch(SnippetCompiler.Run(stale.Code, context));

        Assert.NotNull(mismatch);
        Assert.StartsWith("docs/stale.md(", mismatch, StringComparison.Ordinal);
        Assert.Contains("the output shown is stale", mismatch, StringComparison.Ordinal);
        Assert.Contains("TrainEvalCallback(-10), AvgStatsCallback(-5)", mismatch, StringComparison.Ordinal);
    }

    [Fact]
    public void An_elided_output_matches_what_is_printed_and_a_wrong_line_does_not()
    {
        var code = new CodeBlock("a.md", 2, "csharp", "", "Console.WriteLine(\"one\");\nConsole.WriteLine(\"two\");\nConsole.WriteLine(\"three\");");
        using var context = new DocsRunContext();
        string printed = SnippetCompiler.Run(code, context);

        Assert.Null(new OutputBlock(code, new CodeBlock("a.md", 7, "text", "output", "one\n...\nthree")).Mismatch(printed));
        Assert.Null(new OutputBlock(code, new CodeBlock("a.md", 7, "text", "output", "one\ntwo\nthree\n")).Mismatch(printed));
        Assert.Contains("a.md(8)", new OutputBlock(code, new CodeBlock("a.md", 7, "text", "output", "one\nTWO\nthree")).Mismatch(printed), StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_block_must_follow_a_csharp_block()
    {
        string page = "```bash\nls\n```\n\n```text output\nx\n```\n";

        var error = Assert.Throws<InvalidDataException>(() => OutputBlock.Pair(Markdown.Blocks("b.md", page).ToArray()));

        Assert.Contains("b.md:6", error.Message, StringComparison.Ordinal);
    }
}
