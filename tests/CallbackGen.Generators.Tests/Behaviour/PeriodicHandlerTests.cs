using CallbackGen.Generators.Tests.Infrastructure;

namespace CallbackGen.Generators.Tests.Behaviour;

/// <summary><c>Every</c> and <c>Once</c> honoured by the generated dispatch in real fits.</summary>
public class PeriodicHandlerTests
{
    private const int Epochs = 3, TrainBatches = 5, ValidBatches = 2;

    [Fact]
    public void Every_counts_batches_within_each_phase_and_epochs_within_the_fit()
    {
        Callback periodic = UserCode.New<Callback>("Periodic");
        TinyFit.Create(TrainBatches, ValidBatches, periodic).Fit(Epochs);
        var log = (List<string>)UserCode.Field(periodic, "Log");

        // The rule of CallbackAttribute.Every: the N-th, 2N-th, … batch of each phase, counted from 1.
        var batches = new List<string>();
        var epochs = new List<string>();
        for (int e = 0; e < Epochs; e++)
        {
            batches.AddRange(Enumerable.Range(0, TrainBatches).Where(i => (i + 1) % 2 == 0).Select(i => $"batch train {e} {i}"));
            batches.AddRange(Enumerable.Range(0, ValidBatches).Where(i => (i + 1) % 2 == 0).Select(i => $"batch valid {e} {i}"));
            if ((e + 1) % 2 == 0)
            {
                epochs.Add($"epoch {e}");
            }
        }

        Assert.Equal(batches, log.Where(l => l.StartsWith("batch", StringComparison.Ordinal)));
        Assert.Equal(epochs, log.Where(l => l.StartsWith("epoch", StringComparison.Ordinal)));

        // A fit event fires once per fit: a period does not apply to it.
        Assert.Equal(new[] { "fit" }, log.Where(l => l == "fit"));
    }

    [Fact]
    public void Once_runs_a_handler_at_its_first_match_in_each_fit()
    {
        Callback periodic = UserCode.New<Callback>("Periodic");
        Learner learn = TinyFit.Create(TrainBatches, ValidBatches, periodic);
        var log = (List<string>)UserCode.Field(periodic, "Log");

        learn.Fit(Epochs);
        learn.Fit(1);

        // First batch of each fit; and for Every = 3 with Once, the third batch of the first epoch.
        Assert.Equal(new[] { "once 0 0", "once 0 0" }, log.Where(l => l.StartsWith("once ", StringComparison.Ordinal)));
        Assert.Equal(new[] { "once-every 0 2", "once-every 0 2" }, log.Where(l => l.StartsWith("once-every", StringComparison.Ordinal)));
        Assert.True(periodic.HandledEvents.Contains(Event.BeforeFit), "a class with a Once handler listens to BeforeFit to start each fit afresh");
    }

    [Fact]
    public void The_reset_of_once_handlers_at_BeforeFit_runs_at_the_class_order_in_the_plan()
    {
        Type type = GeneratorHarness.Build("""
            using CallbackGen;

            [Callback(Order = 70)]
            public sealed partial class Late : Callback
            {
                [Callback(Once = true)] private void AfterBatch() { }
            }
            """).GetType("Late")!;
        var late = (Callback)Activator.CreateInstance(type)!;

        Assert.True(late.HandledEvents.Contains(Event.BeforeFit));
        Assert.Equal(70, late.OrderOf(Event.BeforeFit));
        Assert.Equal(70, late.OrderOf(Event.AfterBatch));
    }

    [Fact]
    public void A_period_needs_no_allocation_and_no_learner_state_beyond_the_counters()
    {
        Callback periodic = UserCode.New<Callback>("Periodic");
        Learner learn = TinyFit.Create(TrainBatches, ValidBatches, periodic);
        var dispatcher = new EventDispatcher(learn.Callbacks);
        var log = (List<string>)UserCode.Field(periodic, "Log");
        log.Capacity = 16;

        // Iter = 0: (0 + 1) % 2 != 0, so the handler is skipped, and the check allocates nothing.
        for (int i = 0; i < 1000; i++)
        {
            dispatcher.Fire(Event.AfterBatch);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            dispatcher.Fire(Event.AfterBatch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Empty(log);
    }
}
