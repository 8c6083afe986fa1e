using System.Diagnostics;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>Times each epoch's training phase (BeforeTrain to AfterTrain).</summary>
internal sealed partial class TrainClock : Callback
{
    [Transient] private readonly Stopwatch clock = new();
    [Transient] private TimeSpan last;

    /// <summary>The last training phase's time.</summary>
    public TimeSpan Last => last;

    [Callback]
    private void BeforeTrain() => clock.Restart();

    [Callback]
    private void AfterTrain() => last = clock.Elapsed;
}
