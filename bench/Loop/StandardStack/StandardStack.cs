namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// The callbacks of variant (c). Until the runtime's Recorder, ParamScheduler, metrics and Progress
/// land, bench-local stand-ins of the same shape do their per-batch work (see StandardStack/).
/// </summary>
internal static class StandardStack
{
    public const bool UsesStandIns = true;

    public static Callback[] Create(double lrMax) => new Callback[]
    {
        new StandInRecorder(),
        new StandInOneCycle(lrMax),
        new StandInAccuracy(),
        new StandInProgress(TextWriter.Null),
    };
}
