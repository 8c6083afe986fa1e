using System.Text;
using System.Text.RegularExpressions;

namespace CallbackGen.Runtime.Tests.Events;

/// <summary>docs/events.md says what the catalogue (Shared/EventCatalog.cs) defines: a change to one fails here until the other follows.</summary>
public sealed partial class EventsDocTests
{
    private static readonly string Doc = File.ReadAllText(RepositoryFiles.PathOf("docs", "events.md"));

    [Fact]
    public void The_events_table_numbers_the_events_in_catalogue_order()
    {
        var rows = EventRow().Matches(Doc).Select(m => (Number: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Name: m.Groups[2].Value)).ToArray();

        Assert.Equal(EventCatalog.Names.Select((n, i) => (i + 1, n)), rows);
    }

    [Fact]
    public void The_cancelling_table_names_each_phase_s_exception_and_its_AfterCancel_and_After_events()
    {
        foreach (PhaseInfo p in EventCatalog.Phases)
        {
            Assert.Matches($@"\| `{p.CancelException}` \| `{p.AfterCancel}`, `{p.After}`", Doc);
        }
    }

    [Fact]
    public void The_scope_and_state_table_is_the_one_the_catalogue_gives()
    {
        string header = "| Event, in loop order |";
        int start = Doc.IndexOf(header, StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/events.md has no table starting with " + header);
        int end = Doc.IndexOf("\n\n", start, StringComparison.Ordinal);
        string documented = Doc[start..(end < 0 ? Doc.Length : end)].ReplaceLineEndings("\n").TrimEnd();

        Assert.Equal(ScopeAndStateTable(), documented);
    }

    [Fact]
    public void The_doc_names_the_catalogue_file_where_it_is()
    {
        Assert.Contains("`Shared/EventCatalog.cs`", Doc, StringComparison.Ordinal);
        Assert.True(File.Exists(RepositoryFiles.PathOf("Shared", "EventCatalog.cs")));
    }

    /// <summary>Per event: which phases' cancels are caught there, which state holds its current value, which writes take effect.</summary>
    internal static string ScopeAndStateTable()
    {
        var sb = new StringBuilder();
        sb.Append("| Event, in loop order | a cancel of these phases is caught | holds the current value | a write takes effect |\n");
        sb.Append("|---|---|---|---|");
        foreach (Occurrence o in EventCatalog.LoopOrder)
        {
            string caught = Join(EventCatalog.Phases.Where((p, i) => EventCatalog.IsCaught(i, o.Event)).Select(p => p.Name));
            string holds = Join(EventCatalog.States.Where(s => EventCatalog.HoldsCurrentValue(s, o.Event)).Select(s => s.Name));
            string writes = Join(EventCatalog.States.Where(s => EventCatalog.WriteTakesEffect(s, o.Event)).Select(s => s.Name));
            sb.Append('\n').Append($"| {new string('·', o.Depth)}`{EventCatalog.Names[o.Event]}` | {caught} | {holds} | {writes} |");
        }

        return sb.ToString();
    }

    private static string Join(IEnumerable<string> items)
    {
        string joined = string.Join(", ", items);
        return joined.Length == 0 ? "—" : joined;
    }

    [GeneratedRegex(@"^\| (\d+) \| `(\w+)` \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
