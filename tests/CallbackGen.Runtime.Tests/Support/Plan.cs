namespace CallbackGen.Runtime.Tests.Support;

/// <summary>Reads the learner's dispatch plan: the handlers of one event, as "Name(order)".</summary>
public static class Plan
{
    public static IReadOnlyList<string> Handlers(Learner learn, Event e)
    {
        foreach (string line in learn.DescribeCallbacks().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line[..space] == e.ToString())
            {
                return line[space..].Trim().Split(", ");
            }
        }

        return Array.Empty<string>();
    }

    /// <summary>The events whose handler list contains <paramref name="entry"/>.</summary>
    public static IReadOnlyList<Event> EventsOf(Learner learn, string entry) =>
        Enum.GetValues<Event>().Where(e => Handlers(learn, e).Contains(entry)).ToArray();
}
