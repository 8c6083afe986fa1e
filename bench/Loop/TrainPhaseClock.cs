namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Times the training phase inside a Learner's fit: starts first in <c>BeforeTrain</c> and stops last
/// in <c>AfterTrain</c>, so the phase's own work (shuffle, batches, every callback's per-batch and
/// end-of-phase work, such as the one read of the averaged loss) is inside and validation is not.
/// </summary>
internal sealed partial class TrainPhaseClock(CpuStopwatch clock) : Callback
{
    [Callback(Order = -1000)]
    private void BeforeTrain() => clock.Start();

    [Callback(Order = 1000)]
    private void AfterTrain() => clock.Stop();
}
