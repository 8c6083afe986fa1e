using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Generators.Tests;

public class WalkingSkeletonTests
{
    private const string UserCallback = """
        using CallbackGen;

        namespace User;

        public partial class Counter : Callback
        {
            public int Batches;

            [Callback(Order = 5)]
            private void BeforeBatch() => Batches++;
        }
        """;

    [Fact]
    public void Generated_dispatch_for_a_simple_callback_matches_the_approved_file()
    {
        var (result, output) = GeneratorHarness.Run(UserCallback);

        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Snapshot.Verify(GeneratorHarness.Generated(result, "User.Counter.Callback.g.cs"), "SimpleCallback");
    }

    [Fact]
    public void The_generated_handler_runs_when_the_runtime_fires_its_event()
    {
        var (_, output) = GeneratorHarness.Run(UserCallback);
        Type counterType = GeneratorHarness.Load(output).GetType("User.Counter")!;
        var counter = (Callback)Activator.CreateInstance(counterType)!;

        Assert.Equal(EventSet.Of(Event.BeforeBatch), counter.HandledEvents);
        Assert.Equal(5, counter.OrderOf(Event.BeforeBatch));
        counter.Invoke(Event.BeforeBatch);
        counter.Invoke(Event.AfterBatch);
        counter.Invoke(Event.BeforeBatch);

        Assert.Equal(2, (int)counterType.GetField("Batches")!.GetValue(counter)!);
    }
}
