using Microsoft.CodeAnalysis;

namespace CallbackGen.Docs.Tests;

/// <summary>
/// Every ```csharp block of README.md and docs/**/*.md compiles as written (see <see cref="SnippetCompiler"/>
/// for the convention), with no warning from the compiler or from CallbackGen's analyzers, unless the
/// block names the diagnostics it exists to show (<c>```csharp expect=CBG0001</c>).
/// </summary>
public sealed class DocsCompileTests
{
    private static readonly Lazy<Dictionary<string, CodeBlock>> CSharpBlocks = new(() =>
        Markdown.AllBlocks().Where(b => b.IsCSharp).ToDictionary(b => b.Location));

    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (string location in CSharpBlocks.Value.Keys)
        {
            data.Add(location);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_block_compiles_as_written(string location)
    {
        CodeBlock block = CSharpBlocks.Value[location];

        IReadOnlyList<Diagnostic> found = SnippetCompiler.Diagnose(block);

        string[] ids = found.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.True(
            ids.SequenceEqual(block.Expected),
            $"{location}: expected {(block.Expected.Count == 0 ? "no diagnostics" : string.Join(", ", block.Expected))}, got:{Environment.NewLine}"
            + string.Join(Environment.NewLine, found.Select(SnippetCompiler.Format))
            + $"{Environment.NewLine}The block as compiled:{Environment.NewLine}{SnippetCompiler.ProgramText(block)}");
    }

    [Fact]
    public void The_readme_and_the_guide_have_csharp_blocks_to_compile()
    {
        Assert.Contains(CSharpBlocks.Value.Values, b => b.File == "README.md");
        Assert.Contains(CSharpBlocks.Value.Values, b => b.File == "docs/guide.md");
    }

    [Fact]
    public void Every_fence_names_its_language_so_no_code_escapes_the_compile_check()
    {
        string[] bare = Markdown.AllBlocks().Where(b => b.Language.Length == 0).Select(b => b.Location).ToArray();

        Assert.True(bare.Length == 0, "Fences without a language (use ```csharp for code that compiles, ```text for output, ```bash for commands): " + string.Join(", ", bare));
    }

    [Fact]
    public void A_block_that_does_not_compile_fails_with_the_page_and_line_of_the_mistake()
    {
        var block = new CodeBlock("docs/example.md", 40, "csharp", "", "int ok = 1;\nlearn.Fit(ok);\nlearn.Fitt(2);");

        Diagnostic error = Assert.Single(SnippetCompiler.Diagnose(block));

        Assert.Equal("CS1061", error.Id);
        Assert.StartsWith("docs/example.md(42,7): error CS1061:", SnippetCompiler.Format(error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_before_the_statements_is_reported_as_a_program_cs_would_and_callbacks_get_their_generated_dispatch()
    {
        const string stop = """
            public sealed partial class Stop : Callback
            {
                [Callback] private void AfterBatch() => throw new CancelFitException();
            }
            """;
        const string fit = "learn.Fit(1, cbs: [new Stop()]);\nConsole.WriteLine(model);\n";

        // Pasted into Program.cs, a class before the top-level statements is CS8803: the check must see it too.
        Assert.Equal("CS8803", Assert.Single(SnippetCompiler.Diagnose(new CodeBlock("docs/example.md", 1, "csharp", "", stop + "\n" + fit))).Id);
        Assert.Empty(SnippetCompiler.Diagnose(new CodeBlock("docs/example.md", 1, "csharp", "", fit + "\n" + stop)));
    }

    [Fact]
    public void An_analyzer_diagnostic_in_a_block_is_reported_unless_the_block_expects_it()
    {
        const string misspelt = """
            public sealed partial class P : Callback
            {
                [Callback] private void AfterBtach() { }
            }
            """;

        Assert.Equal("CBG0001", Assert.Single(SnippetCompiler.Diagnose(new CodeBlock("a.md", 1, "csharp", "", misspelt))).Id);
        Assert.Equal(new[] { "CBG0001" }, new CodeBlock("a.md", 1, "csharp", "expect=CBG0001", misspelt).Expected);
    }
}
