using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// Train 4 epochs uninterrupted; train again, crash at epoch 1 batch 2, resume from the last
/// checkpoint in a fresh learner (different initial weights, a reseeded default generator) and
/// finish. The final weights must be the same bits and the batches seen the same list.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class ResumeParityTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-resume-").FullName;

    [Fact]
    public void A_fit_resumed_after_a_crash_ends_with_the_same_weights_and_batches_as_an_uninterrupted_one() =>
        AssertResumeParity(() => Array.Empty<Callback>());

    [Fact]
    public void Resume_parity_holds_with_gradient_accumulation_over_an_epoch_that_does_not_divide_evenly() =>
        AssertResumeParity(() => new Callback[] { new GradientAccumulation(2) });

    [Fact]
    public void Resume_parity_holds_with_a_param_scheduler_early_stopping_and_an_identical_recorder_history()
    {
        var recorders = new List<Recorder>();
        var stoppers = new List<EarlyStopping>();
        AssertResumeParity(() =>
        {
            var recorder = new Recorder();
            var stop = new EarlyStopping(patience: 2);
            recorders.Add(recorder);
            stoppers.Add(stop);
            return new Callback[] { recorder, new ParamScheduler(Hyper.Lr, CallbackGen.Schedules.Cos(3e-2, 1e-3)), stop, new GradientAccumulation(2) };
        });

        Recorder a = recorders[0], c = recorders[2];
        Assert.NotEmpty(a.Losses);
        Assert.Equal(a.Losses, c.Losses);
        Assert.Equal(a.SmoothLosses, c.SmoothLosses);
        Assert.Equal(a.Lrs, c.Lrs);
        // Everything but the wall time, which no two runs share.
        Assert.Equal(
            a.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.ValidLoss, string.Join(";", e.Metrics))),
            c.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.ValidLoss, string.Join(";", e.Metrics))));
        Assert.Equal(a.EpochEnds, c.EpochEnds);
        Assert.True(a.Lrs[0] > a.Lrs[^1], "the schedule should have annealed the rate");
        Assert.Equal((stoppers[0].Wait, stoppers[0].Best, stoppers[0].StoppedEpoch), (stoppers[2].Wait, stoppers[2].Best, stoppers[2].StoppedEpoch));
    }

    private void AssertResumeParity(Func<Callback[]> extras)
    {
        using var task = new TinyTask(samples: 80, batchSize: 16);

        // Uninterrupted.
        var canaryA = new BatchCanary();
        Learner a = task.Learner(modelSeed: 1, cbs: extras().Append(canaryA).ToArray());
        manual_seed(99);
        a.Fit(4, cbs: new[] { new SaveModel(Path.Combine(dir, "a.ckpt")) });

        // Interrupted.
        string ckpt = Path.Combine(dir, "b.ckpt");
        Learner b = task.Learner(modelSeed: 1, cbs: extras().Append(new BatchCanary()).ToArray());
        manual_seed(99);
        Assert.Throws<SimulatedCrashException>(() => b.Fit(4, cbs: new Callback[] { new SaveModel(ckpt), new ThrowAt(epoch: 1, batch: 2) }));

        // Resumed in a fresh process-like state: other initial weights, other default-generator state.
        var canaryC = new BatchCanary();
        Learner c = task.Learner(modelSeed: 2, cbs: extras().Append(canaryC).ToArray());
        manual_seed(12345);
        c.Fit(4, resumeFrom: ckpt, cbs: new[] { new SaveModel(ckpt) });

        TinyTask.AssertBitIdentical(TinyTask.Weights(a), TinyTask.Weights(c));
        Assert.Equal(canaryA.Seen, canaryC.Seen);
        Assert.Equal(4 * 5, canaryC.Seen.Count);
        Assert.Equal((1, 0), canaryC.SeenThisFit[0]);
        Assert.Equal(3 * 5, canaryC.SeenThisFit.Count);
        Assert.Equal(4 * 5, c.TrainIter);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
