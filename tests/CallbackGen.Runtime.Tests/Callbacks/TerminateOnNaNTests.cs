using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class TerminateOnNaNTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-nan-").FullName;
    private readonly TinyTask task = new();

    /// <summary>Makes one training batch's inputs NaN.</summary>
    private sealed partial class PoisonAt(int epoch, int batch) : Callback
    {
        [Callback]
        private void BeforeBatch()
        {
            if (Training && Epoch == epoch && Iter == batch)
            {
                using Scalar nan = float.NaN.ToScalar();
                Xb = Xb.mul(nan);
            }
        }
    }

    [Fact]
    public void Every_learner_has_it_and_a_nan_loss_stops_the_fit_at_that_batch_naming_it()
    {
        var canary = new BatchCanary();
        Learner learn = task.Learner(modelSeed: 1, cbs: canary);
        TerminateOnNaN guard = learn.Get<TerminateOnNaN>()!;
        var error = new StringWriter();
        learn.Remove(guard);
        learn.Add(guard = new TerminateOnNaN(error: error));

        learn.Fit(4, cbs: new[] { new PoisonAt(epoch: 1, batch: 2) });

        Assert.Equal((1, 1), canary.SeenThisFit[^1]);
        Assert.Equal(5 + 2, canary.SeenThisFit.Count);
        Assert.Equal("Training loss is NaN at epoch 1, batch 2 (training iteration 7); the fit was stopped.", guard.Message);
        Assert.Equal(guard.Message + Environment.NewLine, error.ToString());
        Assert.All(learn.Model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    [Fact]
    public void The_deferred_check_used_on_accelerators_names_the_first_bad_batch_and_stops_at_the_next_read()
    {
        var canary = new BatchCanary();
        Learner learn = task.Learner(modelSeed: 1, cbs: canary);
        learn.Remove(learn.Get<TerminateOnNaN>()!);
        var guard = new TerminateOnNaN(syncEvery: 4, error: TextWriter.Null) { DeferredCheck = true };
        learn.Add(guard);

        learn.Fit(4, cbs: new[] { new PoisonAt(epoch: 1, batch: 1) });

        // Iteration 6 is bad; the flag is read after iteration 7 ((7 + 1) % 4 == 0), which never completes.
        Assert.Equal("Training loss is NaN or infinite at epoch 1, batch 1 (training iteration 6); the fit was stopped.", guard.Message);
        Assert.Equal((1, 1), canary.SeenThisFit[^1]);
    }

    [Fact]
    public void The_best_checkpoint_is_unchanged_when_the_loss_becomes_nan()
    {
        string best = Path.Combine(dir, "best.ckpt");
        Learner learn = task.Learner(modelSeed: 1);
        learn.Fit(1, cbs: new[] { new SaveModel(best, monitor: "valid_loss") });
        byte[] good = File.ReadAllBytes(best);

        // Deliberately longer than the fit that wrote the checkpoint.
        learn.Fit(3, resumeFrom: best, cbs: new Callback[] { new SaveModel(best, monitor: "valid_loss"), new PoisonAt(1, 2) }, strict: false);

        Assert.Equal(good, File.ReadAllBytes(best));
    }

    [Fact]
    public void Without_the_guard_SaveModel_still_never_writes_non_finite_weights_over_a_good_checkpoint()
    {
        string last = Path.Combine(dir, "last.ckpt");
        Learner learn = task.Learner(modelSeed: 1, adam: false);
        learn.Remove(learn.Get<TerminateOnNaN>()!);
        var save = new SaveModel(last);

        learn.Fit(3, cbs: new Callback[] { save, new PoisonAt(1, 2) });

        Assert.False(learn.Model.parameters().All(p => p.isfinite().all().item<bool>()));
        Learner fresh = task.Learner(modelSeed: 5, adam: false);
        fresh.LoadCheckpoint(last);
        Assert.All(fresh.Model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    public void Dispose()
    {
        task.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
