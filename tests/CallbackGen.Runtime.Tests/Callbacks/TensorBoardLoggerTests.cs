using CallbackGen.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace CallbackGen.Runtime.Tests.Callbacks;

public partial class TensorBoardLoggerTests(ITestOutputHelper log)
{
    [Fact]
    public void The_event_file_holds_the_batch_and_epoch_values_the_fit_produced()
    {
        string dir = Directory.CreateTempSubdirectory("callbackgen-tb-").FullName;
        try
        {
            var probe = new BatchProbe();
            var tb = new TensorBoardLogger(dir, logEvery: 2, histogramEvery: 3);
            using var learn = TinyTask.Learner(trainBatches: 4, validBatches: 2, cbs: new Callback[] { probe });

            learn.Fit(2, cbs: new Callback[] { tb });

            string file = Assert.Single(Directory.GetFiles(dir, "events.out.tfevents.*"));
            List<TensorBoardEventFile.Event> events = TensorBoardEventFile.Read(file);
            Assert.Equal("brain.Event:2", events[0].FileVersion);
            Dictionary<string, List<(long Step, float Value)>> scalars = events
                .SelectMany(e => e.Values.Where(v => v.Simple.HasValue).Select(v => (v.Tag, e.Step, Value: v.Simple!.Value)))
                .GroupBy(t => t.Tag)
                .ToDictionary(g => g.Key, g => g.Select(t => (t.Step, t.Value)).ToList());

            foreach (var (tag, values) in scalars.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                log.WriteLine($"{tag}: {string.Join(", ", values.Select(v => $"step {v.Step} = {v.Value:R}"))}");
            }

            // 8 training batches, logged every 2nd: batches 1, 3, 5, 7 with the loss each had.
            Assert.Equal(new long[] { 1, 3, 5, 7 }, scalars["train/loss"].Select(s => s.Step));
            Assert.Equal(new[] { probe.Losses[0], probe.Losses[2], probe.Losses[4], probe.Losses[6] }, scalars["train/loss"].Select(s => s.Value));
            Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.1f }, scalars["train/lr/group0"].Select(s => s.Value));

            // One value per epoch, equal to what the learner published.
            Assert.Equal(new long[] { 0, 1 }, scalars["epoch/valid_loss"].Select(s => s.Step));
            Assert.Equal((float)learn.ValidStats!.Loss, scalars["epoch/valid_loss"][1].Value);
            Assert.Equal((float)learn.ValidStats["accuracy"], scalars["epoch/accuracy"][1].Value);
            Assert.Equal((float)learn.TrainStats!.Loss, scalars["epoch/train_loss"][1].Value);

            // Histograms every 3rd batch (weights and gradients of both parameters).
            Assert.Contains(events, e => e.Values.Any(v => v.IsHistogram && v.Tag == "grads/weight"));
            Assert.All(events.Where(e => e.Values.Any(v => v.IsHistogram)), e => Assert.Equal(0, e.Step % 3));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_lr_finder_run_or_a_prediction_writes_no_event_file()
    {
        string dir = Directory.CreateTempSubdirectory("callbackgen-tb-").FullName;
        try
        {
            using var learn = TinyTask.Learner(trainBatches: 4, cbs: new Callback[] { new TensorBoardLogger(dir, logEvery: 1) });

            learn.LrFind(numIt: 4);
            using var _ = learn.GetPreds();
            learn.Validate();

            Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Each training batch's loss as a float.</summary>
    private sealed partial class BatchProbe : Callback
    {
        public List<float> Losses { get; } = new();

        [Callback]
        private void AfterLoss()
        {
            if (Training)
            {
                Losses.Add(Loss.item<float>());
            }
        }
    }
}
