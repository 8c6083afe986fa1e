namespace CallbackGen.Docs.Tests;

/// <summary>
/// A ```csharp block followed by a ```text block marked <c>output</c> (<c>```text output</c>): the
/// second is what the first prints when run. A line <c>...</c> in the output stands for any lines
/// (none or more); trailing spaces and blank lines at the end are ignored.
/// </summary>
/// <param name="Code">The C# block.</param>
/// <param name="Output">The text block with what it prints.</param>
public sealed record OutputBlock(CodeBlock Code, CodeBlock Output)
{
    /// <summary>The info word that marks a text block as the output of the C# block before it.</summary>
    public const string Marker = "output";

    /// <summary>Every C# block of the documentation with its output block.</summary>
    public static IReadOnlyList<OutputBlock> All() => Pair(Markdown.AllBlocks());

    /// <summary>The output blocks of <paramref name="blocks"/>, each with the C# block just before it in the same file.</summary>
    /// <exception cref="InvalidDataException">An output block does not follow a C# block.</exception>
    public static IReadOnlyList<OutputBlock> Pair(IReadOnlyList<CodeBlock> blocks)
    {
        var pairs = new List<OutputBlock>();
        for (int i = 0; i < blocks.Count; i++)
        {
            CodeBlock b = blocks[i];
            if (!IsOutput(b))
            {
                continue;
            }

            if (i == 0 || blocks[i - 1].File != b.File || !blocks[i - 1].IsCSharp)
            {
                throw new InvalidDataException($"{b.Location}: a ```text {Marker} block must follow the ```csharp block whose output it is.");
            }

            pairs.Add(new OutputBlock(blocks[i - 1], b));
        }

        return pairs;
    }

    /// <summary>
    /// Null when <paramref name="printed"/> matches the output block; otherwise where they first differ
    /// (the page's line, the line expected and the line printed).
    /// </summary>
    public string? Mismatch(string printed)
    {
        string[] expected = Lines(Output.Code);
        string[] actual = Lines(printed);
        return Match(expected, 0, actual, 0) ? null : Describe(expected, actual);
    }

    private static bool IsOutput(CodeBlock b) =>
        b.Language == "text" && b.Options.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(Marker, StringComparer.Ordinal);

    private static string[] Lines(string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToArray();
        int n = lines.Length;
        while (n > 0 && lines[n - 1].Length == 0)
        {
            n--;
        }

        return lines[..n];
    }

    private static bool Match(string[] expected, int e, string[] actual, int a)
    {
        if (e == expected.Length)
        {
            return a == actual.Length;
        }

        if (expected[e] == "...")
        {
            for (int skip = a; skip <= actual.Length; skip++)
            {
                if (Match(expected, e + 1, actual, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return a < actual.Length && expected[e] == actual[a] && Match(expected, e + 1, actual, a + 1);
    }

    private string Describe(string[] expected, string[] actual)
    {
        int i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
        {
            i++;
        }

        string want = i < expected.Length ? expected[i] : "(end of output)";
        string got = i < actual.Length ? actual[i] : "(end of output)";
        return $"{Output.File}({Output.Line + i}): the output shown is stale: the page shows{Environment.NewLine}  {want}{Environment.NewLine}"
            + $"but {Code.Location} prints{Environment.NewLine}  {got}{Environment.NewLine}"
            + $"What it prints, to paste into the page:{Environment.NewLine}{string.Join(Environment.NewLine, actual)}";
    }
}
