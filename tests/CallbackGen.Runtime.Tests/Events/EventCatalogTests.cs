namespace CallbackGen.Runtime.Tests.Events;

/// <summary>The runtime's enums, dispatcher and plan are the catalogue's (Shared/EventCatalog.cs), not copies of it.</summary>
public sealed class EventCatalogTests
{
    [Fact]
    public void Every_phase_names_events_and_a_cancel_exception_of_the_runtime()
    {
        Assert.Equal(EventCatalog.Phases.Select(p => p.Name), Enum.GetNames<Phase>());
        Assert.All(EventCatalog.Phases, p =>
        {
            Assert.True(Enum.IsDefined(Enum.Parse<Event>(p.Before)) && Enum.IsDefined(Enum.Parse<Event>(p.After)) && Enum.IsDefined(Enum.Parse<Event>(p.AfterCancel)));
            Type? cancel = typeof(CancelException).Assembly.GetType("CallbackGen." + p.CancelException);
            Assert.True(cancel is not null && cancel.IsSubclassOf(typeof(CancelException)), p.CancelException);
        });
    }

    [Fact]
    public void Every_event_is_fired_by_exactly_one_place_in_the_phase_table()
    {
        var owners = EventCatalog.Names.Select(n => EventCatalog.Phases.Count(p =>
            p.Before == n || p.After == n || p.AfterCancel == n || p.Body.Contains(n))).ToArray();
        Assert.All(owners, count => Assert.Equal(1, count));
        Assert.Equal(EventCatalog.Names.Length, EventCatalog.LoopOrder.Length);
    }

    [Fact]
    public void The_loop_order_with_its_depths_is_the_order_a_fit_fires_events()
    {
        // A change to the phase table shows up here, in the plan and in docs/events.md.
        string[] expected =
        {
            "BeforeFit 0", "BeforeEpoch 1", "BeforeTrain 2", "BeforeBatch 3", "AfterPred 4", "AfterLoss 4",
            "BeforeBackward 4", "AfterCancelBackward 4", "AfterBackward 4", "BeforeStep 4", "AfterCancelStep 4", "AfterStep 4",
            "AfterCancelBatch 3", "AfterBatch 3", "AfterCancelTrain 2", "AfterTrain 2", "BeforeValidate 2",
            "AfterCancelValidate 2", "AfterValidate 2", "AfterCancelEpoch 1", "AfterEpoch 1", "AfterCancelFit 0", "AfterFit 0",
        };
        Assert.Equal(expected, EventCatalog.LoopOrder.Select(o => $"{EventCatalog.Names[o.Event]} {o.Depth}"));
    }

    [Fact]
    public void The_dispatch_plan_lists_the_events_in_loop_order_indented_by_depth()
    {
        using Learner learn = TinyTask.Learner();
        string[] rows = learn.DescribeCallbacks().Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];

        Assert.Equal(EventCatalog.LoopOrder.Length, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Occurrence o = EventCatalog.LoopOrder[i];
            Assert.StartsWith("  " + new string(' ', 2 * o.Depth) + EventCatalog.Names[o.Event] + " ", rows[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Fit_and_epoch_level_events_are_those_of_the_fit_and_of_the_epoch_train_and_validate_phases()
    {
        Assert.Equal(new[] { "BeforeFit", "AfterCancelFit", "AfterFit" }, EventCatalog.FitEvents);
        Assert.Equal(
            new[] { "BeforeEpoch", "BeforeTrain", "AfterCancelTrain", "AfterTrain", "BeforeValidate", "AfterCancelValidate", "AfterValidate", "AfterCancelEpoch", "AfterEpoch" },
            EventCatalog.EpochEvents);
    }

    [Fact]
    public void A_once_per_fit_handler_shows_its_class_order_at_BeforeFit_in_the_plan()
    {
        using Learner learn = TinyTask.Learner(cbs: new Callback[] { new OnceAtSeventy() });

        // The generated BeforeFit reset of a once-per-fit handler runs at the class's order, not 0.
        Assert.Contains("OnceAtSeventy(70)", Plan.Handlers(learn, Event.BeforeFit));
        Assert.Contains("OnceAtSeventy(70)", Plan.Handlers(learn, Event.AfterBatch));
    }
}

[Callback(Order = 70)]
internal sealed partial class OnceAtSeventy : Callback
{
    [Callback(Once = true)]
    private void AfterBatch()
    {
    }
}
