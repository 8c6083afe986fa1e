namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// The callbacks of variant (c), a user's usual stack: Recorder, a one-cycle learning-rate
/// ParamScheduler, validation metrics and Progress with its output redirected (plain lines).
/// </summary>
internal static class StandardStack
{
    /// <summary>Names what stands in for a runtime class that had not landed when this was built (empty when none).</summary>
    public const string StandIns = "validation accuracy: bench-local StandInAccuracy (the runtime's metrics had not landed)";

    public static Callback[] Create(double lrMax) => new Callback[]
    {
        new Recorder(),
        // Learning rate only: FitOneCycle would also schedule SGD's momentum, which changes the arithmetic (momentum buffers), not the loop's cost.
        new ParamScheduler(Hyper.Lr, Schedules.OneCycleLr(lrMax)),
        new StandInAccuracy(),
        new Progress(TextWriter.Null),
    };
}
