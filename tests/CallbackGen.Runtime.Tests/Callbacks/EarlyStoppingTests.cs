using TorchSharp;

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

    [Transient] // a test probe: what the learner held after one epoch
    private sealed partial class StateAfterEpoch(int epoch) : Callback
    {
        public Dictionary<string, byte[]>? Weights { get; private set; }

        public byte[]? Optimizer { get; private set; }

        [Callback]
        private void AfterEpoch()
        {
            if (Epoch == epoch)
            {
                (Weights, Optimizer) = (TinyTask.Weights(Learn), TinyTask.OptimizerBytes(Opt));
            }
        }
    }

    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Fact]
    public void Restoring_the_best_weights_also_restores_the_optimiser_state_of_that_epoch()
    {
        using var task = new TinyTask();
        var stop = new EarlyStopping(patience: 2, restoreBestWeights: true);
        var best = new StateAfterEpoch(1);
        var last = new StateAfterEpoch(3);
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new ScriptedMetric(5, 4, 4.5, 4.2, 1, 1), best, last });

        learn.Fit(6, cbs: new[] { stop });

        Assert.Equal(3, stop.StoppedEpoch);
        Assert.NotEqual(best.Optimizer, last.Optimizer); // Adam's moments and step count moved on after the best epoch
        Assert.Equal(best.Optimizer, TinyTask.OptimizerBytes(learn.Opt));
        TinyTask.AssertBitIdentical(best.Weights!, TinyTask.Weights(learn));
    }

    [Fact]
    public void A_resumed_fit_ends_with_the_best_weights_and_optimiser_state_of_an_uninterrupted_one()
    {
        using var task = new TinyTask();
        string ckpt = Path.Combine(dir, "last.ckpt");
        double[] script = { 5, 4, 4.5, 4.2, 1, 1 };
        Learner whole = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(script));
        whole.Fit(6, cbs: new[] { new EarlyStopping(patience: 2, restoreBestWeights: true) });
        Dictionary<string, byte[]> weights = TinyTask.Weights(whole);
        byte[] optimizer = TinyTask.OptimizerBytes(whole.Opt);

        // The crash comes after the best epoch (1): the best state reaches the resumed fit only through the checkpoint.
        Learner first = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(script));
        Assert.Throws<SimulatedCrashException>(() =>
            first.Fit(6, cbs: new Callback[] { new EarlyStopping(patience: 2, restoreBestWeights: true), new SaveModel(ckpt), new ThrowAt(3, 0) }));
        var stop = new EarlyStopping(patience: 2, restoreBestWeights: true);
        Learner resumed = task.Learner(modelSeed: 2, cbs: new ScriptedMetric(script));
        resumed.Fit(6, resumeFrom: ckpt, cbs: new Callback[] { stop, new SaveModel(ckpt) });

        Assert.Equal((3, 1), (stop.StoppedEpoch, stop.BestEpoch));
        TinyTask.AssertBitIdentical(weights, TinyTask.Weights(resumed));
        Assert.Equal(optimizer, TinyTask.OptimizerBytes(resumed.Opt));
    }

    [Fact]
    public void Its_best_state_is_released_when_replaced_loaded_over_or_disposed()
    {
        using var task = new TinyTask();
        string ckpt = Path.Combine(dir, "best.ckpt");
        var stop = new EarlyStopping(patience: 5, restoreBestWeights: true);
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new ScriptedMetric(5, 4, 3, 2), stop });
        learn.Fit(1, cbs: new[] { new SaveModel(ckpt) }); // warm (optimiser state, gradients) and a checkpoint holding a best state
        int tensors = learn.Model.state_dict().Count;
        stop.Dispose();
        long before = Live;

        learn.Fit(4);               // improves every epoch: four best states taken, three released
        long afterFit = Live;
        learn.LoadCheckpoint(ckpt); // the loaded best state replaces the held one
        learn.LoadCheckpoint(ckpt);
        long afterLoads = Live;
        stop.Dispose();

        Assert.Equal(before + tensors, afterFit);
        Assert.Equal(before + tensors, afterLoads);
        Assert.Equal(before, Live);
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
