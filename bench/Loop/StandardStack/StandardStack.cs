namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Variant (c), a user's usual set-up: accuracy as a metric (on validation, the default), Recorder,
/// a one-cycle learning-rate ParamScheduler and Progress with its output redirected (plain lines).
/// </summary>
internal static class StandardStack
{
    /// <summary>The metrics the learner of (c) is created with.</summary>
    public static Metric[] Metrics { get; } = { Metric.Accuracy };

    public static Callback[] Create(double lrMax) => new Callback[]
    {
        new Recorder(),
        // Learning rate only: FitOneCycle would also schedule SGD's momentum, which changes the arithmetic (momentum buffers), not the loop's cost.
        new ParamScheduler(Hyper.Lr, Schedules.OneCycleLr(lrMax)),
        new Progress(TextWriter.Null),
    };
}
