using CallbackGen.Generators.Tests.Infrastructure;

namespace CallbackGen.Generators.Tests.Behaviour;

/// <summary>Generated dispatch compiled and run: order, stable ties, only the handled events, inheritance, generics.</summary>
public class GeneratedDispatchTests
{
    [Fact]
    public void Handlers_fire_in_order_in_a_real_fit_and_ties_keep_registration_order()
    {
        var log = new List<string>();
        Callback a = UserCode.New<Callback>("OrderTen", log, "tenA");
        Callback minus = UserCode.New<Callback>("OrderMinusFive", log, "minus");
        Callback b = UserCode.New<Callback>("OrderTen", log, "tenB");

        TinyFit.Create(trainBatches: 1, validBatches: 1, a, minus, b).Fit(1);

        // One training and one validation batch. BeforeBatch: -5 before the class-level 10s;
        // AfterBatch: the method-level -20 beats -5. Equal orders keep the order of registration.
        string[] oneBatch = { "minus:BeforeBatch", "tenA:BeforeBatch", "tenB:BeforeBatch", "tenA:AfterBatch", "tenB:AfterBatch", "minus:AfterBatch" };
        Assert.Equal(oneBatch.Concat(oneBatch), log);
    }

    [Fact]
    public void Ties_follow_registration_order_whichever_way_round()
    {
        var log = new List<string>();
        Callback a = UserCode.New<Callback>("OrderTen", log, "tenA");
        Callback b = UserCode.New<Callback>("OrderTen", log, "tenB");

        new EventDispatcher(new[] { b, a }).Fire(Event.BeforeBatch);
        new EventDispatcher(new[] { a, b }).Fire(Event.BeforeBatch);

        Assert.Equal(new[] { "tenB:BeforeBatch", "tenA:BeforeBatch", "tenA:BeforeBatch", "tenB:BeforeBatch" }, log);
    }

    [Fact]
    public void A_class_handling_three_events_is_called_for_those_three_only()
    {
        Callback three = UserCode.New<Callback>("ThreeEvents");
        const int epochs = 2, trainBatches = 3, validBatches = 2;

        TinyFit.Create(trainBatches, validBatches, three).Fit(epochs);

        Assert.Equal(EventSet.Of(Event.BeforeFit, Event.AfterLoss, Event.AfterFit), three.HandledEvents);
        Assert.Equal(1, UserCode.Field(three, "Fits"));
        Assert.Equal(epochs * (trainBatches + validBatches), UserCode.Field(three, "Losses"));
        Assert.Equal(1, UserCode.Field(three, "Ends"));

        // Any event outside the three would have reached the hand-written base InvokeHandler.
        Assert.Equal(0, UserCode.Field(three, "Unhandled"));
    }

    [Fact]
    public void The_dispatch_plan_lists_a_class_under_its_events_only()
    {
        Callback three = UserCode.New<Callback>("ThreeEvents");
        string plan = new EventDispatcher(new[] { three }).Describe();

        // The plan's lines that name the callback (as "Name(order)") are those of its three events.
        string[] events = plan.Split('\n')
            .Where(l => l.Contains("ThreeEvents(0)", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0])
            .ToArray();
        Assert.Equal(new[] { "BeforeFit", "AfterLoss", "AfterFit" }, events.Order(Comparer<string>.Create((a, b) =>
            Enum.Parse<Event>(a).CompareTo(Enum.Parse<Event>(b)))));
    }

    [Fact]
    public void A_derived_class_adds_handlers_overrides_its_base_and_inherits_the_rest()
    {
        Callback derived = UserCode.New<Callback>("DerivedHandlers");
        var log = (List<string>)UserCode.Field(derived, "Log");

        Assert.Equal(EventSet.Of(Event.BeforeFit, Event.AfterBatch, Event.AfterFit), derived.HandledEvents);
        Assert.Equal(7, derived.OrderOf(Event.BeforeFit));
        Assert.Equal(3, derived.OrderOf(Event.AfterBatch));
        Assert.Equal(4, derived.OrderOf(Event.AfterFit));

        derived.Invoke(Event.BeforeFit);
        derived.Invoke(Event.AfterBatch);
        derived.Invoke(Event.AfterFit);

        // AfterFit is virtual: the base's generated case and the derived one both call the override, once.
        Assert.Equal(new[] { "base BeforeFit", "derived AfterBatch", "derived AfterFit" }, log);
    }

    [Fact]
    public void A_generic_callback_class_is_supported()
    {
        Type closed = UserCode.Type("Collector`1").MakeGenericType(typeof(string));
        var collector = (Callback)Activator.CreateInstance(closed)!;
        closed.GetProperty("Next")!.SetValue(collector, "x");

        new EventDispatcher(new[] { collector }).Fire(Event.AfterBatch);

        Assert.Equal(EventSet.Of(Event.AfterBatch), collector.HandledEvents);
        Assert.Equal(new[] { "x" }, (List<string>)UserCode.Field(collector, "Items"));
    }
}
