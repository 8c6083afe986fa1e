namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class EarlyStoppingTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-es-").FullName;

    [Transient] // a test probe: counts one run

    private sealed partial class WeightsAfterEpoch(int epoch) : Callback
    {
        public Dictionary<string, byte[]>? Weights { get; private set; }

        [Callback]
        private void AfterEpoch()
        {
            if (Epoch == epoch)
            {
                Weights = TinyTask.Weights(Learn);
            }
        }
    }

    [Fact]
    public void It_stops_after_patience_epochs_without_improvement_and_can_restore_the_best_weights()
    {
        using var task = new TinyTask();
        var stop = new EarlyStopping(patience: 2, restoreBestWeights: true);
        var best = new WeightsAfterEpoch(1);
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new ScriptedMetric(5, 4, 4.5, 4.2, 1, 1), best });

        learn.Fit(6, cbs: new[] { stop });

        Assert.Equal(3, stop.StoppedEpoch);
        Assert.Equal(1, stop.BestEpoch);
        Assert.Equal(4, stop.Best);
        Assert.Equal(3, learn.Epoch);
        TinyTask.AssertBitIdentical(best.Weights!, TinyTask.Weights(learn));
        Assert.Equal(
            "EarlyStopping: stopped after epoch 3: valid_loss 4.200000 has not improved on the best 4.000000 (epoch 1) for 2 epochs (patience 2, min_delta 0).",
            stop.StopReason);
    }

    [Fact]
    public void Min_delta_and_a_maximised_metric_are_honoured()
    {
        using var task = new TinyTask();
        var stop = new EarlyStopping("accuracy", Goal.Maximize, minDelta: 0.5, patience: 1);
        Learner learn = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(5, 4.8, 3));

        learn.Fit(3, cbs: new[] { stop });

        Assert.Equal(1, stop.StoppedEpoch); // -4.8 beats -5 by only 0.2
    }

    [Fact]
    public void Its_wait_survives_a_resume_so_the_resumed_fit_stops_at_the_same_epoch()
    {
        using var task = new TinyTask();
        string ckpt = Path.Combine(dir, "last.ckpt");
        double[] script = { 5, 4, 4.5, 4.2, 1, 1 };
        Learner first = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(script));
        Assert.Throws<SimulatedCrashException>(() =>
            first.Fit(6, cbs: new Callback[] { new EarlyStopping(patience: 2), new SaveModel(ckpt), new ThrowAt(3, 0) }));

        var stop = new EarlyStopping(patience: 2);
        Learner resumed = task.Learner(modelSeed: 2, cbs: new ScriptedMetric(script));
        resumed.Fit(6, resumeFrom: ckpt, cbs: new Callback[] { stop, new SaveModel(ckpt) });

        Assert.Equal(3, stop.StoppedEpoch);
        Assert.Equal(1, stop.BestEpoch);
    }

    [Fact]
    public void A_monitor_without_published_stats_is_a_clear_error()
    {
        using var task = new TinyTask();
        Learner learn = task.Learner(modelSeed: 1);
        learn.Remove(learn.Callbacks.OfType<EpochLossStats>().Single());
        learn.Remove(learn.Get<AvgStatsCallback>()!);

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { new EarlyStopping() }));

        Assert.Contains("EarlyStopping monitors 'valid_loss'", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
