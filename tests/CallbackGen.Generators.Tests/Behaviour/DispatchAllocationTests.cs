using CallbackGen.Generators.Tests.Infrastructure;

namespace CallbackGen.Generators.Tests.Behaviour;

/// <summary>Dispatch through the generated switch allocates nothing once warm.</summary>
public class DispatchAllocationTests
{
    [Fact]
    public void Dispatching_one_event_to_five_callbacks_allocates_zero_bytes_once_warm()
    {
        Callback[] five = Enumerable.Range(0, 5).Select(_ => UserCode.New<Callback>("Counter")).ToArray();
        var dispatcher = new EventDispatcher(five);

        // Warm: JIT the dispatcher, the generated InvokeHandler and the handler (tiering included).
        for (int i = 0; i < 20_000; i++)
        {
            dispatcher.Fire(Event.AfterBatch);
        }

        const int fires = 10_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < fires; i++)
        {
            dispatcher.Fire(Event.AfterBatch);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.All(five, cb => Assert.Equal(20_000L + fires, (long)UserCode.Field(cb, "Count")));
    }
}
