namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>
/// NOT the product: a prototype of what would bring CallbackGen's dispatch close to direct calls.
/// Today the dispatcher makes, per handler, a virtual call to the generated <c>InvokeHandler</c>,
/// whose switch then calls the handler. If the generator also emitted, per class,
/// <c>Action? GetHandler(Event e) =&gt; e switch { Event.AfterBatch =&gt; AfterBatch, … }</c>, the
/// dispatcher could build one delegate per handler once, when the plan is built, and each event
/// would cost one delegate call per handler. The delegates are written here by hand, as that
/// generated method would create them; exceptions are still annotated with the callback and event.
/// </summary>
internal sealed class DelegateTablePrototype
{
    private readonly Action[][] table = new Action[EventSet.EventCount][];

    public DelegateTablePrototype(Cb1 c1, Cb2 c2, Cb3 c3, Cb4 c4, Cb5 c5)
    {
        // In handler order (Cb1 order 0 … Cb5 order 40), as the plan would sort them.
        var byEvent = new List<Action>[EventSet.EventCount];
        for (int i = 0; i < byEvent.Length; i++)
        {
            byEvent[i] = new List<Action>();
        }

        void Add(Event e, Action handler) => byEvent[(int)e].Add(handler);
        Add(Event.BeforeBatch, c1.BeforeBatch);
        Add(Event.AfterPred, c1.AfterPred);
        Add(Event.AfterBatch, c1.AfterBatch);
        Add(Event.AfterLoss, c2.AfterLoss);
        Add(Event.BeforeBackward, c2.BeforeBackward);
        Add(Event.AfterBatch, c2.AfterBatch);
        Add(Event.AfterBackward, c3.AfterBackward);
        Add(Event.BeforeStep, c3.BeforeStep);
        Add(Event.AfterBatch, c3.AfterBatch);
        Add(Event.BeforeFit, c4.BeforeFit);
        Add(Event.AfterStep, c4.AfterStep);
        Add(Event.AfterBatch, c4.AfterBatch);
        Add(Event.BeforeEpoch, c5.BeforeEpoch);
        Add(Event.BeforeTrain, c5.BeforeTrain);
        Add(Event.AfterBatch, c5.AfterBatch);
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = byEvent[i].ToArray();
        }
    }

    public void Fire(Event e)
    {
        Action[] handlers = table[(int)e];
        int i = 0;

        // One protected region around the loop rather than one per handler: the filter still knows
        // which handler threw (i) and the exception still propagates unchanged.
        try
        {
            for (; i < handlers.Length; i++)
            {
                handlers[i]();
            }
        }
        catch (Exception ex) when (Annotate(ex, handlers[i], e))
        {
            throw;
        }
    }

    private static bool Annotate(Exception ex, Action handler, Event e)
    {
        ex.Data["CallbackGen.Callback"] = handler.Target?.GetType().FullName;
        ex.Data["CallbackGen.Event"] = e;
        return false;
    }
}
