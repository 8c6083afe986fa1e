using CallbackGen.Checkpoints;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;
using Sched = CallbackGen.Schedules;

namespace CallbackGen.Runtime.Tests.Callbacks;

public partial class RecorderTests
{
    /// <summary>Reads every training loss itself, and what the stats callback published each epoch.</summary>
    private sealed partial class LossProbe : Callback
    {
        public List<double> TrainLosses { get; } = new();

        public int SkipValidationInEpoch { get; init; } = -1;

        [Callback(Order = 10)]
        private void AfterLoss()
        {
            if (Training)
            {
                TrainLosses.Add(Loss.item<float>());
            }
        }

        [Callback]
        private void BeforeValidate()
        {
            if (Epoch == SkipValidationInEpoch)
            {
                throw new CancelValidateException();
            }
        }

        public List<PhaseStats?> Published { get; } = new();

        public List<double?> TrainLossPublished { get; } = new();

        [Callback]
        private void AfterEpoch()
        {
            Published.Add(Learn.ValidStats);
            TrainLossPublished.Add(Learn.TrainStats?.Loss);
        }
    }

    [Fact]
    public void Records_each_training_loss_its_smoothed_value_and_what_each_epoch_published()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 32);
        var rec = new Recorder();
        var probe = new LossProbe { SkipValidationInEpoch = 1 };
        var learn = new Learner(mlp.Model, mlp.Data, SeedMlp.Loss, Optimizer.Sgd(), 0.1, new Callback[] { rec, probe }, new[] { Metric.Accuracy });

        learn.Fit(3);

        Assert.Equal(probe.TrainLosses, rec.Losses);
        var smoother = new SmoothedLoss();
        Assert.Equal(probe.TrainLosses.Select(smoother.Add), rec.SmoothLosses);
        Assert.Equal(new[] { 0, 1, 2 }, rec.Epochs.Select(e => e.Epoch));
        Assert.Equal(0, probe.Published[1]?.Count ?? 0);   // validation cancelled: nothing to record
        Assert.Equal(new[] { probe.Published[0]!.Loss, (double?)null, probe.Published[2]!.Loss }, rec.Epochs.Select(e => e.ValidLoss));
        Assert.Equal(new[] { probe.Published[0]!.Loss, probe.Published[2]!.Loss }, rec.ValidLosses);
        Assert.Equal(probe.Published[2]!["accuracy"], rec.Epochs[2].Metrics.Single(m => m.Key == "accuracy").Value);
        Assert.Empty(rec.Epochs[1].Metrics);
        Assert.Equal(probe.TrainLossPublished, rec.Epochs.Select(e => e.TrainLoss));
        int perEpoch = mlp.Train.Count;
        Assert.Equal(new[] { perEpoch, 2 * perEpoch, 3 * perEpoch }, rec.EpochEnds);
        Assert.All(rec.Epochs, e => Assert.True(e.WallTime >= TimeSpan.Zero));
        Assert.Equal(new[] { Hyper.Lr }, rec.Hypers);
        Assert.All(rec.Lrs, lr => Assert.Equal(0.1, lr));
    }

    [Fact]
    public void Without_the_epoch_row_the_batches_are_still_recorded()
    {
        using var mlp = new SeedMlp(samples: 100, batchSize: 40);
        var rec = new Recorder();
        var learn = mlp.Learner(Optimizer.Sgd(), 0.1, rec);
        learn.Remove(learn.Get<AvgStatsCallback>()!);

        learn.Fit(1);

        Assert.Empty(rec.Epochs);      // no second definition of the epoch: the row's builder is gone
        Assert.Equal(mlp.Train.Count, rec.Losses.Count);
    }

    [Fact]
    public void A_hyper_that_was_not_recorded_is_a_clear_error()
    {
        using var mlp = new SeedMlp(samples: 100, batchSize: 40);
        var rec = new Recorder();
        mlp.Learner(Optimizer.Sgd(), 0.1, rec).Fit(1);

        var ex = Assert.Throws<ArgumentException>(() => rec.Values(Hyper.Mom));

        Assert.Contains("Hyper.Mom was not recorded", ex.Message);
    }

    [Fact]
    public void Checkpointed_state_restores_every_record()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 32);
        var rec = new Recorder();
        var learn = mlp.Learner(Optimizer.Sgd(momentum: 0.9, groups: mlp.BodyHead), 0.1, rec, new LossProbe());
        learn.FitOneCycle(2, 0.05);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            CallbackState.Save(rec, w);
        }

        var restored = new Recorder();
        stream.Position = 0;
        CallbackState.Load(restored, new BinaryReader(stream), CPU);

        Assert.Equal(rec.Losses, restored.Losses);
        Assert.Equal(rec.SmoothLosses, restored.SmoothLosses);
        Assert.Equal(rec.Hypers, restored.Hypers);
        Assert.Equal(rec.Values(Hyper.Mom, 1), restored.Values(Hyper.Mom, 1));
        Assert.Equal(rec.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.ValidLoss, e.WallTime)), restored.Epochs.Select(e => (e.Epoch, e.TrainLoss, e.ValidLoss, e.WallTime)));
        Assert.Equal(rec.Epochs.Select(e => string.Join(",", e.Columns)), restored.Epochs.Select(e => string.Join(",", e.Columns)));
        Assert.Equal(rec.EpochEnds, restored.EpochEnds);
        Assert.Equal(rec.Epochs[1].Metrics, restored.Epochs[1].Metrics);
        stream.SetLength(stream.Length - 3);
        stream.Position = 0;
        Assert.ThrowsAny<Exception>(() => CallbackState.Load(new Recorder(), new BinaryReader(stream), CPU));
    }

    [Fact]
    public void Charts_are_written_as_decodable_PNGs_of_the_requested_size()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 32);
        var rec = new Recorder();
        var learn = mlp.Learner(Optimizer.Sgd(momentum: 0.9, groups: mlp.BodyHead), 0.1, rec, new LossProbe());
        learn.FitOneCycle(2, new[] { 0.01, 0.05 });
        LrFindResult found = learn.LrFind(numIt: 30);
        string dir = Path.Combine(Path.GetTempPath(), "cbg-plots-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = new (string Path, int W, int H)[]
            {
                (rec.PlotLr(Path.Combine(dir, "lr.png"), 640, 360), 640, 360),
                (rec.PlotLoss(Path.Combine(dir, "loss.png"), skipLast: 2), 800, 500),
                (rec.PlotSched(Path.Combine(dir, "nested", "sched.png"), 900, 300), 900, 300),
                (found.Plot(Path.Combine(dir, "lr_find.png"), width: 700, height: 450), 700, 450),
            };

            foreach (var (path, w, h) in files)
            {
                Assert.True(new FileInfo(path).Length > 1000, path);
                using SKBitmap bitmap = SKBitmap.Decode(path);
                Assert.NotNull(bitmap);
                Assert.Equal((w, h), (bitmap.Width, bitmap.Height));
                // Not a blank canvas: more than two colours in the image.
                Assert.True(bitmap.Pixels.Distinct().Take(3).Count() == 3, path);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Plotting_before_anything_was_recorded_says_so()
    {
        var rec = new Recorder();

        var ex = Assert.Throws<InvalidOperationException>(() => rec.PlotLoss(Path.Combine(Path.GetTempPath(), "never.png")));

        Assert.Contains("no training batch recorded", ex.Message);
    }
}
