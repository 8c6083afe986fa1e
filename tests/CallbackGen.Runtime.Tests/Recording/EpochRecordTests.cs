using System.Globalization;
using CallbackGen.Runtime.Tests.Support;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Recording;

/// <summary>The one epoch row: built once by AvgStatsCallback, read by every logger and tracker.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class EpochRecordTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-row-").FullName;

    /// <summary>Keeps the row each AfterEpoch sees, after every built-in has read it.</summary>
    private sealed partial class RowProbe : Callback
    {
        public List<EpochRecord> Rows { get; } = new();

        [Callback(Order = 100)]
        private void AfterEpoch() => Rows.Add(Learn.LastEpoch!);
    }

    /// <summary>Skips every training batch after the first, before its loss is computed.</summary>
    private sealed partial class SkipAfterFirstBatch : Callback
    {
        [Callback]
        private void BeforeBatch()
        {
            if (Training && Iter > 0)
            {
                throw new CancelBatchException();
            }
        }
    }

    /// <summary>A live display that keeps what it is given.</summary>
    private sealed class RecordingView : IProgressView
    {
        public List<(int Done, float Loss)> Updates { get; } = new();

        public bool IsLive => true;

        public void BeginPhase(string name, int total)
        {
        }

        public void Update(int done, float loss) => Updates.Add((done, loss));

        public void EndPhase()
        {
        }

        public void WriteLine(string line)
        {
        }

        public void Epoch(EpochRecord row)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Console_CSV_Recorder_and_EarlyStopping_read_the_same_row_with_the_same_epoch_numbers_and_clock()
    {
        string csv = Path.Combine(dir, "log.csv");
        var output = new StringWriter();
        var rec = new Recorder();
        var probe = new RowProbe();
        Learner learn = TinyTask.Learner(trainBatches: 3, validBatches: 2);

        learn.Fit(2, cbs: new Callback[] { rec, new Progress(output), new CsvLogger(csv), new EarlyStopping(patience: 5), probe });

        Assert.Equal(new[] { 0, 1 }, probe.Rows.Select(r => r.Epoch));
        Assert.Equal(probe.Rows, rec.Epochs);                     // the very same objects
        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        string[] csvRows = File.ReadAllLines(csv);
        Assert.Equal("epoch,train_loss,valid_loss,accuracy,time", csvRows[0]);
        for (int e = 0; e < 2; e++)
        {
            EpochRecord row = probe.Rows[e];
            string[] cells = csvRows[e + 1].Split(',');
            Assert.Equal(e.ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.StartsWith($"epoch {e}  train_loss {row.TrainLoss:0.000000}  valid_loss {row.ValidLoss:0.000000}  accuracy ", lines[e], StringComparison.Ordinal);
            Assert.Equal(row.TrainLoss, double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(row.ValidLoss, double.Parse(cells[2], CultureInfo.InvariantCulture));
            Assert.Equal(row["accuracy"], double.Parse(cells[3], CultureInfo.InvariantCulture));
            Assert.Equal(row.WallTime.TotalSeconds, double.Parse(cells[4], CultureInfo.InvariantCulture));
            Assert.EndsWith($"time {row.TimeText}", lines[e], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_training_loss_is_the_batch_size_weighted_mean_even_where_batches_were_skipped()
    {
        // 5 samples in batches of 2, 2, 1: a plain mean of batch losses differs from the per-sample mean.
        manual_seed(3);
        Tensor x = randn(5, 3);
        Tensor y = x[.., 0].gt(0).to_type(ScalarType.Int64);
        using var model = nn.Linear(3, 2);
        var data = new CallbackGen.Data.DataBunch(new CallbackGen.Data.DataLoader(x, y, 2), new CallbackGen.Data.DataLoader(x, y, 5));
        var rec = new Recorder();
        var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0, cbs: new Callback[] { rec });

        learn.Fit(1);

        // lr 0: the weights never move, so the per-sample mean can be computed afterwards.
        double perSample = nn.functional.cross_entropy(model.forward(x).to_type(ScalarType.Float64), y).item<double>();
        Assert.Equal(perSample, rec.Epochs.Single().TrainLoss!.Value, 1e-6);
        Assert.NotEqual(rec.Losses.Average(), rec.Epochs.Single().TrainLoss!.Value, 4);
        Assert.Equal(5, learn.LastEpoch!.Train!.Count);
    }

    [Fact]
    public void Metrics_run_on_validation_only_unless_training_metrics_are_asked_for()
    {
        Learner plain = TinyTask.Learner(trainBatches: 3, validBatches: 2);
        plain.Fit(1);
        Assert.Empty(plain.TrainStats!.Metrics);
        Assert.Equal(new[] { "train_loss", "valid_loss", "accuracy" }, plain.LastEpoch!.Columns);
        Assert.InRange(plain.LastEpoch["accuracy"], 0, 1);
        Assert.Equal(plain.LastEpoch["accuracy"], plain.LastEpoch["valid_accuracy"]);

        var withTrain = new Learner(TinyTask.Model(), TinyTask.Data(3, 2), Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1,
            metrics: new[] { Metric.Accuracy }, trainMetrics: true);
        string csv = Path.Combine(dir, "train-metrics.csv");
        withTrain.Fit(1, cbs: new[] { new CsvLogger(csv) });

        Assert.True(withTrain.TrainMetrics);
        Assert.InRange(withTrain.TrainStats!["accuracy"], 0, 1);
        Assert.Equal(new[] { "train_loss", "train_accuracy", "valid_loss", "valid_accuracy" }, withTrain.LastEpoch!.Columns);
        Assert.Equal(withTrain.TrainStats["accuracy"], withTrain.LastEpoch["train_accuracy"]);
        Assert.Equal("epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,time", File.ReadAllLines(csv)[0]);
    }

    [Fact]
    public void A_cancelled_validation_keeps_the_columns_and_leaves_its_values_missing()
    {
        var cancel = new RecordingCallback(new List<string>()).ThrowAt(Event.BeforeValidate, () => new CancelValidateException());
        Learner learn = TinyTask.Learner(cbs: new Callback[] { cancel });
        var output = new StringWriter();

        learn.Fit(1, cbs: new[] { new Progress(output) });

        Assert.Equal(new[] { "train_loss", "valid_loss", "accuracy" }, learn.LastEpoch!.Columns);
        Assert.Null(learn.LastEpoch.ValidLoss);
        Assert.True(double.IsNaN(learn.LastEpoch["accuracy"]));
        Assert.Contains("valid_loss -  accuracy -", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_bar_keeps_the_last_loss_when_a_batch_is_skipped_before_its_loss()
    {
        var view = new RecordingView();
        Learner learn = TinyTask.Learner(cbs: new Callback[] { new SkipAfterFirstBatch() }, trainBatches: 6);

        learn.Fit(1, cbs: new[] { new Progress(view) });

        // Batch 1 updates (its loss is read); the next update falls on a skipped batch, which has no loss.
        Assert.Contains(view.Updates, u => u.Done >= 2);
        Assert.All(view.Updates, u => Assert.False(float.IsNaN(u.Loss), $"update at {u.Done} shows NaN"));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
