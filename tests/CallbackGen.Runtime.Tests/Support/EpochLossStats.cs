using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Support;

/// <summary>
/// A stand-in for the metrics callback: publishes the batch-size-weighted mean loss of each phase
/// as <see cref="Learner.TrainStats"/> / <see cref="Learner.ValidStats"/> (reads each batch's loss,
/// which is fine in tests).
/// </summary>
[Transient] // a test probe: observes one run, nothing to resume
public sealed partial class EpochLossStats : Callback
{
    private double sum;
    private long count;

    [Callback(Order = -1)] private void BeforeTrain() => (sum, count) = (0, 0);

    [Callback(Order = -1)] private void BeforeValidate() => (sum, count) = (0, 0);

    [Callback(Order = -1)]
    private void AfterLoss()
    {
        long n = Yb.shape[0];
        sum += Loss.item<float>() * n;
        count += n;
    }

    [Callback(Order = -1)] private void AfterTrain() => Learn.TrainStats = Stats();

    [Callback(Order = -1)] private void AfterValidate() => Learn.ValidStats = Stats();

    private PhaseStats Stats() => new(sum / count, Array.Empty<KeyValuePair<string, double>>(), count);
}
