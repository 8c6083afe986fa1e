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
/// <c>Recorder.log</c>). Always attached; runs at <see cref="CallbackOrder.AvgStats"/>, so it reads the loss as the loss function
/// returned it (before callbacks of order ≥ −4 rescale it) and publishes before Recorder (50),
/// Progress (60), CsvLogger, SaveModel (61) and EarlyStopping (63) read the row.
/// </summary>
/// <remarks>
/// <para>
/// Everything stays on the device: a batch adds <c>batchSize × loss</c> to a float64 sum with one
/// in-place add and feeds each metric's <see cref="MetricAccumulator"/>, without reading anything
/// back; the phase reads the sums once at its end. The epoch's clock runs from this callback's
/// <c>BeforeEpoch</c> to its <c>AfterEpoch</c>: the one clock every logger shows.
/// </para>
/// <para>
/// The training phase's running sums and the epoch's time so far are checkpoint state (section
/// <c>callback/AvgStatsCallback</c>): a fit resumed from a mid-epoch checkpoint reports the
/// interrupted epoch's row with the same training loss and metrics, to the bit, as a fit that was
/// never interrupted, and the epoch's time is the time up to the checkpoint plus the time after the
/// resume. At an epoch boundary (and outside fits) the state is empty.
/// </para>
/// </remarks>
[Callback(Order = CallbackOrder.AvgStats)]
public sealed partial class AvgStatsCallback : Callback, IDisposable
{
    private readonly Stopwatch epochClock = new();

    // The sums of the epoch's training phase live until AfterEpoch (a checkpoint written during
    // validation, as by a stop request, still holds them); AfterLoss adds to those of the phase running.
    [Transient] private RunningSums? train;
    [Transient] private RunningSums? valid;
    [Transient] private RunningSums? current;

    // This epoch's time before a resume: the interrupted run's, up to its checkpoint.
    [Transient] private TimeSpan earlierTime;

    // The checkpoint's view of the training sums. A transport only: OnSavingState points it at the
    // live tensors (borrowed, never disposed through these fields); a load fills it with tensors this
    // callback owns, which OnStateLoaded copies into live sums, disposes and clears.
    [Checkpointed] private Tensor[]? savedTotals;      // the loss sum, then each metric's totals
    [Checkpointed] private int[]? savedTotalCounts;    // how many of savedTotals each metric has; −1: none (it keeps no checkpointable totals)
    [Checkpointed] private long savedCount;
    [Checkpointed] private TimeSpan savedEpochTime;

    [Callback]
    private void BeforeEpoch()
    {
        // A phase that does not run this epoch (cancelled epoch) must not show last epoch's numbers.
        Learn.TrainStats = null;
        Learn.ValidStats = null;
        Learn.LastEpoch = null;
        Release();
        earlierTime = TimeSpan.Zero;
        epochClock.Restart();
    }

    [Callback]
    private void BeforeTrain()
    {
        train?.Dispose();
        train = current = RunningSums.Start(Learn, withMetrics: Learn.TrainMetrics);
    }

    [Callback]
    private void BeforeValidate()
    {
        valid?.Dispose();
        valid = current = RunningSums.Start(Learn, withMetrics: true);
    }

    [Callback]
    private void AfterLoss()
    {
        if (current is not RunningSums sums || Loss is null)
        {
            return;
        }

        long bs = Yb.shape.Length == 0 ? 1 : Yb.shape[0];
        // Runs in the batch's dispose scope: every temporary here dies with the batch.
        using (no_grad())
        using (var s = new HeldScalars())
        {
            // float32 promotes into the float64 sum inside add_; a mean only for an unreduced loss.
            sums.LossSum.add_(Loss.dim() == 0 ? Loss : Loss.mean(), s.Of(bs));
            if (sums.Accumulators.Length > 0)
            {
                Tensor pred = Pred.detach();
                foreach (MetricAccumulator acc in sums.Accumulators)
                {
                    acc.Add(pred, Yb);
                }
            }
        }

        sums.Count += bs;
    }

    // A phase cancelled before any batch reached AfterLoss publishes nothing: its stats stay null
    // (as BeforeEpoch left them), which readers show as "no value", not NaN.
    [Callback]
    private void AfterTrain()
    {
        Learn.TrainStats = train?.Publish(Learn.Metrics);
        current = null;
    }

    [Callback]
    private void AfterValidate()
    {
        Learn.ValidStats = valid?.Publish(Learn.Metrics);
        valid?.Dispose();
        valid = current = null;
    }

    [Callback]
    private void AfterEpoch()
    {
        epochClock.Stop();
        // Built from what is published now (a callback may have published its own stats after ours).
        Learn.LastEpoch = new EpochRecord(
            Epoch, Learn.TrainStats, Learn.ValidStats, Learn.Metrics.Select(m => m.Name).ToArray(), Learn.TrainMetrics, earlierTime + epochClock.Elapsed);
        Learn.LastCompletedEpoch = Learn.LastEpoch;
        Release();
    }

    /// <inheritdoc/>
    protected override void OnSavingState()
    {
        // Empty between epochs and outside fits: only a checkpoint inside an epoch has sums to carry.
        (savedTotals, savedTotalCounts, savedCount, savedEpochTime) = (null, null, 0, TimeSpan.Zero);
        if (train is not RunningSums sums)
        {
            return;
        }

        var totals = new List<Tensor> { sums.LossSum };
        savedTotalCounts = new int[sums.Accumulators.Length];
        for (int i = 0; i < sums.Accumulators.Length; i++)
        {
            IReadOnlyList<Tensor>? t = sums.Accumulators[i].Totals;
            savedTotalCounts[i] = t?.Count ?? -1;
            totals.AddRange(t ?? Array.Empty<Tensor>());
        }

        savedTotals = totals.ToArray();
        savedCount = sums.Count;
        savedEpochTime = earlierTime + epochClock.Elapsed;
    }

    /// <inheritdoc/>
    protected override void OnStateLoaded()
    {
        Tensor[]? totals = savedTotals;
        int[]? counts = savedTotalCounts;
        (savedTotals, savedTotalCounts) = (null, null);
        try
        {
            if (totals is null)
            {
                return;
            }

            // Checked on the resume's first load, before the fit's first epoch starts (all or nothing:
            // the learner is put back as it was); a load outside a run (LoadCheckpoint) has no use for the sums.
            int computed = Learn.TrainMetrics ? Learn.Metrics.Count : 0;
            if (Learn.IsRunning && (counts?.Length ?? -1) != computed)
            {
                throw new InvalidDataException(
                    $"the checkpoint's training averages cover {counts?.Length ?? 0} metrics but this learner computes {computed} over training (Learner.Metrics and TrainMetrics must be those of the interrupted fit)");
            }

            // Restored inside the interrupted epoch's training phase, which takes the checkpoint again.
            if (train is not RunningSums sums || counts is null || counts.Length != sums.Accumulators.Length)
            {
                return;
            }

            sums.LossSum.copy_(totals[0]);
            sums.Count = savedCount;
            int next = 1;
            for (int i = 0; i < counts.Length; i++)
            {
                if (counts[i] >= 0)
                {
                    sums.Accumulators[i].RestoreTotals(totals[next..(next + counts[i])], savedCount);
                    next += counts[i];
                }
            }

            earlierTime = savedEpochTime;
        }
        finally
        {
            foreach (Tensor t in totals ?? Array.Empty<Tensor>())
            {
                t.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    protected internal override void Teardown(Exception? error) => Release();

    /// <summary>Releases the device accumulators.</summary>
    public void Dispose() => Release();

    private void Release()
    {
        train?.Dispose();
        valid?.Dispose();
        (train, valid, current) = (null, null, null);
        (savedTotals, savedTotalCounts) = (null, null);
    }

    /// <summary>One phase's sums on the device: the loss, each metric's accumulator, the samples seen.</summary>
    private sealed class RunningSums : IDisposable
    {
        private RunningSums(Tensor lossSum, MetricAccumulator[] accumulators) => (LossSum, Accumulators) = (lossSum, accumulators);

        public Tensor LossSum { get; }

        public MetricAccumulator[] Accumulators { get; }

        public long Count { get; set; }

        public static RunningSums Start(Learner learn, bool withMetrics)
        {
            // Lives for the whole phase: keep it out of whatever dispose scope the caller has open.
            Device device = learn.Device;
            Tensor lossSum = zeros(Array.Empty<long>(), ScalarType.Float64, device).DetachFromDisposeScope();
            MetricAccumulator[] accumulators = withMetrics ? learn.Metrics.Select(m => m.CreateAccumulator(device)).ToArray() : Array.Empty<MetricAccumulator>();
            return new RunningSums(lossSum, accumulators);
        }

        /// <summary>The phase's averages (the phase's reads: the loss sum, then one per metric); null when no sample was seen.</summary>
        public PhaseStats? Publish(IReadOnlyList<Metric> metrics)
        {
            if (Count == 0)
            {
                return null;
            }

            double loss = LossSum.item<double>() / Count;
            var named = new KeyValuePair<string, double>[Accumulators.Length];
            for (int i = 0; i < Accumulators.Length; i++)
            {
                named[i] = new(metrics[i].Name, Accumulators[i].Result());
            }

            return new PhaseStats(loss, named, Count);
        }

        public void Dispose()
        {
            LossSum.Dispose();
            foreach (MetricAccumulator acc in Accumulators)
            {
                acc.Dispose();
            }
        }
    }
}
