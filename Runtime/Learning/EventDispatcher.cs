using System.Text;

namespace CallbackGen;

/// <summary>
/// Per-event handler tables (sorted by Order, stable by registration) and the one helper through
/// which every phase runs: fire BeforeX, run X in a scope that catches only X's cancel exception,
/// fire AfterCancelX if it was caught, then AfterX outside the scope.
/// </summary>
internal sealed class EventDispatcher
{
    private static readonly (Event Before, Event After, Event AfterCancel, Type Cancel)[] Phases =
    {
        (Event.BeforeFit, Event.AfterFit, Event.AfterCancelFit, typeof(CancelFitException)),
        (Event.BeforeEpoch, Event.AfterEpoch, Event.AfterCancelEpoch, typeof(CancelEpochException)),
        (Event.BeforeTrain, Event.AfterTrain, Event.AfterCancelTrain, typeof(CancelTrainException)),
        (Event.BeforeValidate, Event.AfterValidate, Event.AfterCancelValidate, typeof(CancelValidateException)),
        (Event.BeforeBatch, Event.AfterBatch, Event.AfterCancelBatch, typeof(CancelBatchException)),
        // Backward and step have no Before events of their own in the table below: BeforeBackward and
        // BeforeStep are fired inside their scopes like every BeforeX.
        (Event.BeforeBackward, Event.AfterBackward, Event.AfterCancelBackward, typeof(CancelBackwardException)),
        (Event.BeforeStep, Event.AfterStep, Event.AfterCancelStep, typeof(CancelStepException)),
    };

    private readonly Callback[][] table;
    private readonly int[] open = new int[Phases.Length];

    public EventDispatcher(IReadOnlyList<Callback> callbacks)
    {
        table = new Callback[EventSet.EventCount][];
        for (int e = 0; e < EventSet.EventCount; e++)
        {
            Event ev = (Event)e;
            table[e] = callbacks
                .Select((cb, index) => (cb, index))
                .Where(t => t.cb.HandledEvents.Contains(ev))
                .OrderBy(t => t.cb.OrderOf(ev))
                .ThenBy(t => t.index)
                .Select(t => t.cb)
                .ToArray();
        }
    }

    /// <summary>Calls every handler of <paramref name="e"/> in order.</summary>
    public void Fire(Event e)
    {
        Callback[] handlers = table[(int)e];
        for (int i = 0; i < handlers.Length; i++)
        {
            Callback cb = handlers[i];
            try
            {
                cb.Invoke(e);
            }
            catch (CancelException ex) when (!IsOpen(ex))
            {
                throw new InvalidOperationException(
                    $"Callback '{cb.Name}' threw {ex.GetType().Name} from {e}, where no {PhaseName(ex)} is running, so nothing can catch it. " +
                    $"Throw it from an event inside that phase (see docs/events.md).", ex);
            }
            catch (Exception ex) when (Annotate(ex, cb, e))
            {
                // Never reached: Annotate returns false so the exception propagates unchanged.
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

        if (cancelled)
        {
            Fire(afterCancel);
        }

        Fire(after);
    }

    /// <summary>Each event with its handlers in call order.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        for (int e = 0; e < table.Length; e++)
        {
            Callback[] handlers = table[e];
            if (handlers.Length == 0)
            {
                continue;
            }

            sb.Append(((Event)e).ToString().PadRight(20));
            sb.AppendJoin(", ", handlers.Select(cb => $"{cb.Name}({cb.OrderOf((Event)e)})"));
            sb.AppendLine();
        }

        return sb.ToString();
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

    private static string PhaseName(CancelException ex) =>
        ex.GetType().Name.Replace("Cancel", string.Empty, StringComparison.Ordinal).Replace("Exception", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static bool Annotate(Exception ex, Callback cb, Event e)
    {
        if (ex is not CancelException && !ex.Data.Contains("CallbackGen.Callback"))
        {
            ex.Data["CallbackGen.Callback"] = cb.GetType().FullName;
            ex.Data["CallbackGen.Event"] = e.ToString();
        }

        return false;
    }
}
