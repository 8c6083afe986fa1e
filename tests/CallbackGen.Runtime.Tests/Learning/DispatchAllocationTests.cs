namespace CallbackGen.Runtime.Tests.Learning;

public class DispatchAllocationTests
{
    [Fact]
    public void Firing_events_and_running_phases_allocates_nothing_once_warm()
    {
        var counter = new CountingCallback();
        var dispatcher = new EventDispatcher(new Callback[] { new TrainEvalCounterless(), counter });
        Action body = () => dispatcher.Fire(Event.AfterPred);
        for (int i = 0; i < 10; i++)
        {
            dispatcher.Run(Phase.Step, body);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            dispatcher.Fire(Event.AfterLoss);
            dispatcher.Run(Phase.Step, body);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(10_010 * 3 + 10_000, counter.Calls);
    }
}

[Transient] // a test probe: observes one run, nothing to resume
internal sealed partial class CountingCallback : Callback
{
    public int Calls { get; private set; }

    [Callback] private void AfterLoss() => Calls++;
    [Callback] private void AfterPred() => Calls++;
    [Callback] private void BeforeStep() => Calls++;
    [Callback] private void AfterStep() => Calls++;
}

/// <summary>A second handler of the same events at another order, so the table has more than one entry per event.</summary>
[Callback(Order = -1)]
internal sealed partial class TrainEvalCounterless : Callback
{
    [Callback] private void AfterLoss() { }
    [Callback] private void BeforeStep() { }
}
