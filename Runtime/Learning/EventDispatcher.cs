using System.Text;

namespace CallbackGen;

/// <summary>
/// Per-event handler tables (sorted by Order, stable by registration) and the one helper through
/// which every phase runs: fire BeforeX, run X in a scope that catches only X's cancel exception,
/// fire AfterCancelX if it was caught, then AfterX outside the scope.
/// </summary>
/// <remarks>
/// One dispatcher lives as long as its learner. The handler tables are rebuilt lazily when the
/// callback list changes, but the open-scope counters are not: a callback added or removed in the
/// middle of a fit must not make the scopes that are open right now look closed.
/// </remarks>
internal sealed class EventDispatcher
{
    // The phase table and the plan's rows come from the one catalogue (Shared/EventCatalog.cs), shared
    // with the generator and the analyzers; Phase's ordinals index EventCatalog.Phases.
    private static readonly (Event Before, Event After, Event AfterCancel, Type Cancel)[] Phases =
        EventCatalog.Phases.Select(p => (Parse(p.Before), Parse(p.After), Parse(p.AfterCancel), CancelType(p.CancelException))).ToArray();

    private static readonly (Event Event, int Depth)[] LoopOrder =
        EventCatalog.LoopOrder.Select(o => ((Event)o.Event, o.Depth)).ToArray();

    private readonly IReadOnlyList<Callback> callbacks;
    private readonly int[] open = new int[Phases.Length];
    private Callback[][]? table;
    private RunKind kind;
    private int rank;

    /// <summary>Creates the dispatcher of a callback list that the owner keeps up to date.</summary>
    /// <param name="callbacks">The live list; call <see cref="Invalidate"/> after every change.</param>
    public EventDispatcher(IReadOnlyList<Callback> callbacks) => this.callbacks = callbacks;

    /// <summary>The callback list changed: rebuild the tables before the next event.</summary>
    public void Invalidate() => table = null;

    /// <summary>
    /// The kind of the run about to start: only callbacks whose <see cref="Callback.RunsIn"/>
    /// includes it are in the tables.
    /// </summary>
    public RunKind Kind
    {
        get => kind;
        set
        {
            if (kind != value)
            {
                kind = value;
                table = null;
            }
        }
    }

    /// <summary>
    /// This process's rank in a distributed fit (0 otherwise): callbacks that are
    /// <see cref="Callback.RankZeroOnly"/> are in the tables only on rank 0.
    /// </summary>
    public int Rank
    {
        get => rank;
        set
        {
            if (rank != value)
            {
                rank = value;
                table = null;
            }
        }
    }

    /// <summary>True when <paramref name="cb"/> takes part in runs of the current <see cref="Kind"/> on this rank.</summary>
    public bool TakesPart(Callback cb) => TakesPart(cb, kind, rank);

    private static bool TakesPart(Callback cb, RunKind kind, int rank) => cb.RunsIn.Includes(kind) && (rank == 0 || !cb.RankZeroOnly);

    /// <summary>Calls every handler of <paramref name="e"/> in order.</summary>
    public void Fire(Event e)
    {
        // A snapshot: handlers that add or remove callbacks change later events, not this one.
        Callback[] handlers = Table[(int)e];
        for (int i = 0; i < handlers.Length; i++)
        {
            Callback cb = handlers[i];
            try
            {
                cb.Invoke(e);
            }
            catch (CancelException ex) when (!IsOpen(ex))
            {
                InvalidOperationException misuse = Misuse(ex, $"Callback '{cb.GetType().FullName}' threw {ex.GetType().Name} from {e}");
                Annotate(misuse, cb, e);
                throw misuse;
            }
            catch (Exception ex) when (Annotate(ex, cb, e))
            {
                // Never reached: Annotate returns false, so the exception propagates unchanged
                // (same object, same type, same stack trace) with the callback and event in its Data.
                throw;
            }
        }
    }

    /// <summary>Runs one phase with its events and its cancel scope.</summary>
    public void Run(Phase phase, Action body)
    {
        var (before, after, afterCancel, cancel) = Phases[(int)phase];
        open[(int)phase]++;
        bool cancelled = false;
        try
        {
            Fire(before);
            body();
        }
        catch (CancelException ex) when (ex.GetType() == cancel)
        {
            cancelled = true;
        }
        finally
        {
            open[(int)phase]--;
        }

        // Both outside the scope: a second cancel of the same kind from here is a usage error.
        if (cancelled)
        {
            Fire(afterCancel);
        }

        Fire(after);
    }

    /// <summary>
    /// The exception for a cancel exception that escaped every scope: thrown by the loop's own code
    /// (a loss function, a data loader) rather than a handler, where no scope of its kind is open.
    /// </summary>
    public static InvalidOperationException Escaped(CancelException ex) =>
        Misuse(ex, $"{ex.GetType().Name} was thrown outside any callback handler");

    /// <summary>The dispatch plan of a fit: each event, in the order the loop reaches it, with its handlers in call order.</summary>
    public string Describe()
    {
        Callback[][] t = Build(callbacks, RunKind.Fit, rank);
        int handled = t.Count(h => h.Length > 0);
        var sb = new StringBuilder();
        sb.Append("Dispatch plan: ").Append(callbacks.Count).Append(callbacks.Count == 1 ? " callback (" : " callbacks (")
            .AppendJoin(", ", callbacks.Select(cb => cb.Name))
            .Append("), ").Append(handled).Append(" of ").Append(EventSet.EventCount).AppendLine(" events handled");
        foreach (var (e, depth) in LoopOrder)
        {
            Callback[] handlers = t[(int)e];
            string name = new string(' ', 2 * depth) + e;
            sb.Append("  ").Append(name.PadRight(28));
            if (handlers.Length == 0)
            {
                sb.Append('-');
            }
            else
            {
                sb.AppendJoin(", ", handlers.Select(cb => $"{cb.Name}({cb.OrderOf(e)})"));
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    private Callback[][] Table => table ??= Build(callbacks, kind, rank);

    private static Callback[][] Build(IReadOnlyList<Callback> callbacks, RunKind kind, int rank)
    {
        var t = new Callback[EventSet.EventCount][];
        for (int e = 0; e < EventSet.EventCount; e++)
        {
            Event ev = (Event)e;
            t[e] = callbacks
                .Select((cb, index) => (cb, index))
                .Where(x => x.cb.HandledEvents.Contains(ev) && TakesPart(x.cb, kind, rank))
                .OrderBy(x => x.cb.OrderOf(ev))
                .ThenBy(x => x.index)
                .Select(x => x.cb)
                .ToArray();
        }

        return t;
    }

    private bool IsOpen(CancelException ex)
    {
        for (int p = 0; p < Phases.Length; p++)
        {
            if (Phases[p].Cancel == ex.GetType())
            {
                return open[p] > 0;
            }
        }

        return false;
    }

    private static InvalidOperationException Misuse(CancelException ex, string what)
    {
        string phase = ex.GetType().Name
            .Replace("Cancel", string.Empty, StringComparison.Ordinal)
            .Replace("Exception", string.Empty, StringComparison.Ordinal)
            .ToLowerInvariant();
        return new InvalidOperationException(
            $"{what}, where no {phase} phase is running, so nothing can catch it. " +
            $"Throw it from an event inside that phase: a cancel exception is caught only by the scope of its own phase, " +
            $"which spans Before{ToPascal(phase)} and everything up to (not including) After{ToPascal(phase)} (see docs/events.md).", ex);
    }

    private static Event Parse(string name) => Enum.Parse<Event>(name);

    private static Type CancelType(string name) =>
        typeof(CancelException).Assembly.GetType(typeof(CancelException).Namespace + "." + name, throwOnError: true)!;

    private static string ToPascal(string phase) => char.ToUpperInvariant(phase[0]) + phase[1..];

    private static bool Annotate(Exception ex, Callback cb, Event e)
    {
        // The innermost handler wins: an exception that passes through nested Fire calls keeps the
        // callback and event that threw it.
        if (ex is not CancelException && !ex.Data.Contains(CallbackExceptionData.CallbackKey))
        {
            ex.Data[CallbackExceptionData.CallbackKey] = cb.GetType().FullName;
            ex.Data[CallbackExceptionData.EventKey] = e.ToString();
        }

        return false;
    }
}
