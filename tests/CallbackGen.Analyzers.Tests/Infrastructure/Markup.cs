using Microsoft.CodeAnalysis.Text;

namespace CallbackGen.Analyzers.Tests.Infrastructure;

/// <summary>Source text with the expected diagnostic spans marked as <c>[|…|]</c> (nested for two diagnostics on one span).</summary>
public static class Markup
{
    /// <summary>The source without markers, and the marked spans in order.</summary>
    public static (string Source, IReadOnlyList<TextSpan> Spans) Parse(string marked)
    {
        var spans = new List<TextSpan>();
        var text = new System.Text.StringBuilder();
        int i = 0;
        var open = new Stack<int>();
        while (i < marked.Length)
        {
            if (string.CompareOrdinal(marked, i, "[|", 0, 2) == 0)
            {
                open.Push(text.Length);
                i += 2;
            }
            else if (string.CompareOrdinal(marked, i, "|]", 0, 2) == 0)
            {
                Assert.True(open.Count > 0, "'|]' without '[|' in test markup");
                spans.Add(TextSpan.FromBounds(open.Pop(), text.Length));
                i += 2;
            }
            else
            {
                text.Append(marked[i++]);
            }
        }

        Assert.True(open.Count == 0, "'[|' without '|]' in test markup");
        return (text.ToString(), spans.OrderBy(s => s.Start).ToList());
    }
}
