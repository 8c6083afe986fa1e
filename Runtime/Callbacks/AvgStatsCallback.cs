using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Averages the loss and the learner's <see cref="Learner.Metrics"/> over each training and
/// validation phase, weighted by batch size, and publishes them as <see cref="Learner.TrainStats"/>
/// (at <c>AfterTrain</c>) and <see cref="Learner.ValidStats"/> (at <c>AfterValidate</c>).
/// Always attached; order −5, so it reads the loss as the loss function returned it (before
/// callbacks of order ≥ −4 rescale it) and publishes before Recorder (50), Progress (60) and the
/// others read the stats.
/// </summary>
/// <remarks>
/// The sums stay on the device in float64: a batch adds <c>batchSize × [loss, metric…]</c> to one
/// accumulator tensor without reading anything back, and the phase reads the accumulator once at
/// its end — one device sync per phase instead of one per batch and value.
/// </remarks>
[Callback(Order = -5)]
public sealed partial class AvgStatsCallback : Callback, IDisposable
{
    private Tensor? sums;
    private long count;

    [Callback]
    private void BeforeEpoch()
    {
        // A phase that does not run this epoch (cancelled epoch) must not show last epoch's numbers.
        Learn.TrainStats = null;
        Learn.ValidStats = null;
    }

    [Callback]
    private void BeforeTrain() => Reset();

    [Callback]
    private void BeforeValidate() => Reset();

    [Callback]
    private void AfterLoss()
    {
        if (sums is null || Loss is null)
        {
            return;
        }

        long bs = Yb.shape.Length == 0 ? 1 : Yb.shape[0];
        IReadOnlyList<Metric> metrics = Learn.Metrics;
        // Runs in the batch's dispose scope: every temporary here dies with the batch.
        using (no_grad())
        {
            if (metrics.Count == 0)
            {
                // The hot path without metrics: one in-place add (float32 promotes into the float64
                // accumulator inside add_), plus a mean only for an unreduced loss.
                sums.add_(Loss.dim() == 0 ? Loss : Loss.mean(), alpha: bs);
            }
            else
            {
                var parts = new Tensor[metrics.Count + 1];
                parts[0] = Loss.detach().mean().reshape(1);
                Tensor pred = Pred.detach();
                for (int i = 0; i < metrics.Count; i++)
                {
                    Tensor v = metrics[i].Function(pred, Yb);
                    if (v.numel() != 1)
                    {
                        throw new InvalidOperationException(
                            $"Metric '{metrics[i].Name}' returned a tensor of shape [{string.Join(", ", v.shape)}]; a metric returns the batch mean as a single value.");
                    }

                    parts[i + 1] = v.reshape(1).to(sums.device);
                }

                sums.add_(cat(parts).to_type(ScalarType.Float64), alpha: bs);
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

    /// <inheritdoc/>
    protected internal override void Teardown(Exception? error) => ReleaseSums();

    /// <summary>Releases the device accumulator.</summary>
    public void Dispose() => ReleaseSums();

    private void Reset()
    {
        ReleaseSums();
        // Lives for the whole phase: keep it out of whatever dispose scope the caller has open.
        sums = zeros(Learn.Metrics.Count + 1, ScalarType.Float64, device: Learn.Device).DetachFromDisposeScope();
        count = 0;
    }

    private PhaseStats? Publish()
    {
        IReadOnlyList<Metric> metrics = Learn.Metrics;
        if (sums is null || count == 0)
        {
            ReleaseSums();
            return null;
        }

        // The one sync of the phase.
        double[] totals;
        using (Tensor host = sums.cpu())
        {
            totals = host.data<double>().ToArray();
        }

        for (int i = 0; i < totals.Length; i++)
        {
            totals[i] /= count;
        }

        var named = new KeyValuePair<string, double>[metrics.Count];
        for (int i = 0; i < metrics.Count; i++)
        {
            named[i] = new(metrics[i].Name, totals[i + 1]);
        }

        ReleaseSums();
        return new PhaseStats(totals[0], named, count);
    }

    private void ReleaseSums()
    {
        sums?.Dispose();
        sums = null;
    }
}
