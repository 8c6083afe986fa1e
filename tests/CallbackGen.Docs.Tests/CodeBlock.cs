namespace CallbackGen.Docs.Tests;

/// <summary>One fenced code block of a Markdown file.</summary>
/// <param name="File">The Markdown file, relative to the repository root, with '/' separators.</param>
/// <param name="Line">The 1-based line of the block's first code line in <paramref name="File"/>.</param>
/// <param name="Language">The first word of the fence's info string ("" when it has none).</param>
/// <param name="Options">The rest of the info string (for C#: <c>expect=ID,ID</c>).</param>
/// <param name="Code">The block's text, the fence's indentation removed.</param>
public sealed record CodeBlock(string File, int Line, string Language, string Options, string Code)
{
    /// <summary>Where the block starts, as <c>file:line</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>True for a C# block (```csharp, ```cs or ```c#).</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>
    /// The diagnostics the block is meant to produce (<c>```csharp expect=CBG0001</c>), for pages that
    /// show a mistake; empty for every other block, which must compile clean.
    /// </summary>
    public IReadOnlyList<string> Expected =>
        Options.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(o => o.StartsWith("expect=", StringComparison.Ordinal))
            .SelectMany(o => o["expect=".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
