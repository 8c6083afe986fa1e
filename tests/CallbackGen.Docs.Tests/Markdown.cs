using System.Text.RegularExpressions;

namespace CallbackGen.Docs.Tests;

/// <summary>The fenced code blocks of the repository's Markdown documentation.</summary>
public static partial class Markdown
{
    /// <summary>README.md and every Markdown file under docs/, by ordinal path.</summary>
    public static IReadOnlyList<string> DocumentationFiles()
    {
        string docs = RepositoryFiles.PathOf("docs");
        return new[] { "README.md" }
            .Concat(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(RepositoryFiles.Root, p).Replace(Path.DirectorySeparatorChar, '/'))
                .OrderBy(p => p, StringComparer.Ordinal))
            .ToArray();
    }

    /// <summary>Every fenced block of every documentation file.</summary>
    public static IReadOnlyList<CodeBlock> AllBlocks() =>
        DocumentationFiles().SelectMany(f => Blocks(f, File.ReadAllText(RepositoryFiles.PathOf(f)))).ToArray();

    /// <summary>The fenced blocks (``` or ~~~, CommonMark's rules for closing) of one file's text.</summary>
    public static IEnumerable<CodeBlock> Blocks(string file, string text)
    {
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            string indent = open.Groups["indent"].Value;
            string marker = open.Groups["marker"].Value;
            string[] info = open.Groups["info"].Value.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            var code = new List<string>();
            int first = i + 1;
            for (i++; i < lines.Length; i++)
            {
                Match close = Fence().Match(lines[i]);
                if (close.Success && close.Groups["marker"].Value[0] == marker[0]
                    && close.Groups["marker"].Value.Length >= marker.Length && close.Groups["info"].Value.Trim().Length == 0)
                {
                    break;
                }

                code.Add(lines[i].StartsWith(indent, StringComparison.Ordinal) ? lines[i][indent.Length..] : lines[i].TrimStart());
            }

            yield return new CodeBlock(file, first + 1, info.Length > 0 ? info[0] : "", info.Length > 1 ? info[1] : "", string.Join('\n', code));
        }
    }

    [GeneratedRegex(@"^(?<indent>[ \t]*)(?<marker>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex Fence();
}
