using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Averages the loss (weighted by batch size) over each training and validation phase, computes the
/// learner's <see cref="Learner.Metrics"/> over validation (and over training too when
/// <see cref="Learner.TrainMetrics"/> is on), publishes them as <see cref="Learner.TrainStats"/> (at
/// <c>AfterTrain</c>) and <see cref="Learner.ValidStats"/> (at <c>AfterValidate</c>), and builds the
/// epoch's one row, <see cref="Learner.LastEpoch"/>, at <c>AfterEpoch</c> (fastai's
/// <c>Recorder.log</c>). Always attached; order −5, so it reads the loss as the loss function
/// returned it (before callbacks of order ≥ −4 rescale it) and publishes before Recorder (50),
/// Progress (60), CsvLogger, SaveModel (61) and EarlyStopping (63) read the row.
/// </summary>
/// <remarks>
/// Everything stays on the device: a batch adds <c>batchSize × loss</c> to a float64 sum with one
/// in-place add and feeds each metric's <see cref="MetricAccumulator"/>, without reading anything
/// back; the phase reads the sums once at its end. The epoch's clock runs from this callback's
/// <c>BeforeEpoch</c> to its <c>AfterEpoch</c>: the one clock every logger shows.
/// </remarks>
// Accumulators of the current phase, reset at its start; checkpoints fall between epochs.
[Transient]
[Callback(Order = -5)]
public sealed partial class AvgStatsCallback : Callback, IDisposable
{
    private readonly Stopwatch epochClock = new();
    private Tensor? lossSum;
    private MetricAccumulator[] accumulators = Array.Empty<MetricAccumulator>();
    private long count;

    [Callback]
    private void BeforeEpoch()
    {
        // A phase that does not run this epoch (cancelled epoch) must not show last epoch's numbers.
        Learn.TrainStats = null;
        Learn.ValidStats = null;
        Learn.LastEpoch = null;
        epochClock.Restart();
    }

    [Callback]
    private void BeforeTrain() => Reset(withMetrics: Learn.TrainMetrics);

    [Callback]
    private void BeforeValidate() => Reset(withMetrics: true);

    [Callback]
    private void AfterLoss()
    {
        if (lossSum is null || Loss is null)
        {
            return;
        }

        long bs = Yb.shape.Length == 0 ? 1 : Yb.shape[0];
        // Runs in the batch's dispose scope: every temporary here dies with the batch.
        using (no_grad())
        {
            // float32 promotes into the float64 sum inside add_; a mean only for an unreduced loss.
            lossSum.add_(Loss.dim() == 0 ? Loss : Loss.mean(), alpha: bs);
            if (accumulators.Length > 0)
            {
                Tensor pred = Pred.detach();
                foreach (MetricAccumulator acc in accumulators)
                {
                    acc.Add(pred, Yb);
                }
            }
        }

        count += bs;
    }

    // A phase cancelled before any batch reached AfterLoss publishes nothing: its stats stay null
    // (as BeforeEpoch left them), which readers show as "no value", not NaN.
    [Callback]
    private void AfterTrain() => Learn.TrainStats = Publish();

    [Callback]
    private void AfterValidate() => Learn.ValidStats = Publish();

    [Callback]
    private void AfterEpoch()
    {
        epochClock.Stop();
        // Built from what is published now (a callback may have published its own stats after ours).
        Learn.LastEpoch = new EpochRecord(
            Epoch, Learn.TrainStats, Learn.ValidStats, Learn.Metrics.Select(m => m.Name).ToArray(), Learn.TrainMetrics, epochClock.Elapsed);
    }

    /// <inheritdoc/>
    protected internal override void Teardown(Exception? error) => Release();

    /// <summary>Releases the device accumulators.</summary>
    public void Dispose() => Release();

    private void Reset(bool withMetrics)
    {
        Release();
        // Lives for the whole phase: keep it out of whatever dispose scope the caller has open.
        Device device = Learn.Device;
        lossSum = zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
        accumulators = withMetrics ? Learn.Metrics.Select(m => m.CreateAccumulator(device)).ToArray() : Array.Empty<MetricAccumulator>();
        count = 0;
    }

    private PhaseStats? Publish()
    {
        if (lossSum is null || count == 0)
        {
            Release();
            return null;
        }

        // The reads of the phase: the loss sum, then one per metric.
        double loss = lossSum.item<double>() / count;
        var named = new KeyValuePair<string, double>[accumulators.Length];
        IReadOnlyList<Metric> metrics = Learn.Metrics;
        for (int i = 0; i < accumulators.Length; i++)
        {
            named[i] = new(metrics[i].Name, accumulators[i].Result());
        }

        Release();
        return new PhaseStats(loss, named, count);
    }

    private void Release()
    {
        lossSum?.Dispose();
        lossSum = null;
        foreach (MetricAccumulator acc in accumulators)
        {
            acc.Dispose();
        }

        accumulators = Array.Empty<MetricAccumulator>();
    }
}
