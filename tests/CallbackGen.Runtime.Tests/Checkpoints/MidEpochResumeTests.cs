using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// Mid-epoch checkpoints: crash at a batch, resume from the checkpoint written after the batch
/// before; the final weights are the bits of an uninterrupted run and no batch is skipped or repeated.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class MidEpochResumeTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-mid-").FullName;
    private readonly TinyTask task = new(samples: 80, batchSize: 16);

    public static TheoryData<int, string> Cases => new()
    {
        { 1, "accumulate" },  // inside a GradientAccumulation(3) cycle: its gradients are in the checkpoint
        { 2, "accumulate" },
        { 4, "accumulate" },
        { 3, "onecycle" },    // one-cycle learning rate and momentum (Adam's beta1), resumed with FitOneCycle(…, resumeFrom:)
        { 1, "refit" },       // one-cycle resumed by a plain Fit(…, resumeFrom:), which rebuilds the schedule
        { 2, "sgd-momentum" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_fit_crashed_mid_epoch_resumes_at_the_next_batch_bit_identically(int batch, string kind)
    {
        Callback[] Extras() => kind == "accumulate" ? new Callback[] { new GradientAccumulation(3) } : Array.Empty<Callback>();
        bool adam = kind != "sgd-momentum";
        Learner Make(int seed, BatchCanary canary) => kind == "sgd-momentum"
            ? new Learner(task.Learner(modelSeed: seed, adam: false).Model, task.Learner(modelSeed: seed).Data, (p, t) => nn.functional.mse_loss(p, t),
                Optimizer.Sgd(momentum: 0.9), lr: 1e-2, cbs: Extras().Append(canary).Append(new ParamScheduler(Hyper.Mom, CallbackGen.Schedules.Lin(0.95, 0.8))))
            : task.Learner(modelSeed: seed, adam: adam, cbs: Extras().Append(canary).ToArray());
        void Run(Learner l, Callback[] cbs, string? resume)
        {
            if (kind is "onecycle" or "refit")
            {
                if (resume is not null && kind == "refit")
                {
                    l.Fit(3, resumeFrom: resume, cbs: cbs);
                }
                else
                {
                    l.FitOneCycle(3, 1e-2, cbs: cbs, resumeFrom: resume);
                }
            }
            else if (resume is null)
            {
                l.Fit(3, cbs: cbs);
            }
            else
            {
                l.Fit(3, resumeFrom: resume, cbs: cbs);
            }
        }

        var canaryA = new BatchCanary();
        Learner a = Make(1, canaryA);
        manual_seed(99);
        Run(a, new Callback[] { new SaveModel(Path.Combine(dir, "a.ckpt"), everyBatches: 1) }, null);

        string ckpt = Path.Combine(dir, "b.ckpt");
        Learner b = Make(1, new BatchCanary());
        manual_seed(99);
        Assert.Throws<SimulatedCrashException>(() => Run(b, new Callback[] { new SaveModel(ckpt, everyBatches: 1), new ThrowAt(epoch: 1, batch: batch) }, null));
        var saved = CallbackGen.Checkpoints.Checkpoint.Read(ckpt);
        Assert.Equal((1, batch), (saved.StartEpoch, saved.NextBatch));
        if (kind == "accumulate" && batch % 3 != 0)
        {
            Assert.NotNull(saved.Grads);
        }

        var canaryC = new BatchCanary();
        Learner c = Make(2, canaryC);
        manual_seed(12345);
        Run(c, new Callback[] { new SaveModel(ckpt, everyBatches: 1) }, ckpt);

        TinyTask.AssertBitIdentical(TinyTask.Weights(a), TinyTask.Weights(c));
        Assert.Equal(canaryA.Seen, canaryC.Seen);
        Assert.Equal(3 * 5, canaryC.Seen.Count);
        Assert.Equal((1, batch), canaryC.SeenThisFit[0]);
        Assert.Equal(3 * 5, c.TrainIter);
    }

    [Fact]
    public void SaveModel_writes_every_N_training_batches_and_refuses_a_monitor_with_mid_epoch_options()
    {
        string path = Path.Combine(dir, "m-{epoch}.ckpt");
        Learner learn = task.Learner(modelSeed: 1);
        var starts = new List<(int, int)>();
        learn.Fit(2, cbs: new Callback[] { new SaveModel(path, everyBatches: 2), new Probe(starts, path) });

        // After training batches 2 and 4 of epoch 0 (TrainIter 2, 4), 6 and 8 (epoch 1, batches 1 and 3), and at each epoch's end.
        Assert.Contains((0, 2), starts);
        Assert.Contains((0, 4), starts);
        Assert.Contains((1, 1), starts);
        Assert.Contains((1, 3), starts);
        Assert.Throws<ArgumentException>(() => new SaveModel(path, monitor: "valid_loss", everyBatches: 5));
    }

    public void Dispose()
    {
        task.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private sealed partial class Probe(List<(int, int)> starts, string path) : Callback
    {
        [Callback(Order = -100)]
        private void BeforeBatch()
        {
            string file = path.Replace("{epoch}", Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (Training && File.Exists(file))
            {
                var c = CallbackGen.Checkpoints.Checkpoint.Read(file);
                starts.Add((c.StartEpoch, c.NextBatch));
            }
        }
    }
}
