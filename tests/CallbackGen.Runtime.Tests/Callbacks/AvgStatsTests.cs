using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

public class AvgStatsTests
{
    [Fact]
    public void A_validation_set_whose_last_batch_is_smaller_gives_the_exact_per_sample_mean()
    {
        // 10 samples in batches of 4, 4, 2; the last two samples are badly misclassified so a plain
        // mean of batch means would be far off the per-sample mean.
        manual_seed(11);
        using var model = nn.Linear(3, 2);
        Tensor x = randn(10, 3);
        using var _ = no_grad();
        Tensor y;
        using (Tensor logits = model.forward(x))
        {
            y = logits.argmax(-1);
            y[8] = 1 - y[8];
            y[9] = 1 - y[9];
        }

        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
        var learn = new Learner(model, data, Losses.CrossEntropy, metrics: new[] { Metric.Accuracy });

        PhaseStats stats = learn.Validate();

        Tensor all = model.forward(x);
        double perSampleLoss = nn.functional.cross_entropy(all.to_type(ScalarType.Float64), y).item<double>();
        Assert.Equal(10, stats.Count);
        Assert.Equal(perSampleLoss, stats.Loss, 1e-6);
        Assert.Equal(0.8, stats["accuracy"], 1e-12);

        double meanOfBatchMeans = new[] { (0, 4), (4, 4), (8, 2) }
            .Average(b => nn.functional.cross_entropy(all.narrow(0, b.Item1, b.Item2), y.narrow(0, b.Item1, b.Item2)).item<float>());
        Assert.True(Math.Abs(meanOfBatchMeans - perSampleLoss) > 1e-2, "the data must tell the two averages apart");
    }

    [Fact]
    public void Fit_publishes_train_and_valid_stats_each_epoch()
    {
        var learn = TinyTask.Learner(trainBatches: 3, validBatches: 2);
        var seen = new List<(PhaseStats? Train, PhaseStats? Valid)>();
        var probe = new StatsProbe(seen);

        learn.Fit(2, cbs: new[] { probe });

        Assert.Equal(2, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.Equal(6, s.Train!.Count);
            Assert.Equal(4, s.Valid!.Count);
            Assert.True(double.IsFinite(s.Train.Loss) && double.IsFinite(s.Valid.Loss));
            Assert.InRange(s.Valid["accuracy"], 0, 1);
        });
        Assert.NotEqual(seen[0].Train!.Loss, seen[1].Train!.Loss);
    }

    [Fact]
    public void A_cancelled_epoch_does_not_show_the_previous_epochs_validation_stats()
    {
        var learn = TinyTask.Learner();
        var seen = new List<(PhaseStats? Train, PhaseStats? Valid)>();
        var cancel = new CancelSecondEpochAfterTrain();

        learn.Fit(2, cbs: new Callback[] { cancel, new StatsProbe(seen) });

        Assert.NotNull(seen[0].Valid);
        Assert.NotNull(seen[1].Train);
        Assert.Null(seen[1].Valid);
    }
}

public class AvgStatsCancelledPhaseTests
{
    [Fact]
    public void A_validation_cancelled_before_its_first_batch_publishes_null_stats_not_NaN()
    {
        var learn = TinyTask.Learner();
        var seen = new List<(PhaseStats? Train, PhaseStats? Valid)>();
        var cancel = new RecordingCallback(new List<string>()).ThrowAt(Event.BeforeValidate, () => new CancelValidateException());

        learn.Fit(1, cbs: new Callback[] { cancel, new StatsProbe(seen) });

        Assert.NotNull(seen[0].Train);
        Assert.Null(seen[0].Valid);
        var ex = Assert.Throws<InvalidOperationException>(() => learn.Validate(new DataLoader(zeros(0, 3), zeros(0, ScalarType.Int64), 2)));
        Assert.Contains("no batch reached AfterLoss", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>Records the learner's stats at every AfterEpoch.</summary>
internal sealed partial class StatsProbe(List<(PhaseStats? Train, PhaseStats? Valid)> seen) : Callback
{
    [Callback(Order = 100)]
    private void AfterEpoch() => seen.Add((Learn.TrainStats, Learn.ValidStats));
}

internal sealed partial class CancelSecondEpochAfterTrain : Callback
{
    [Callback]
    private void AfterTrain()
    {
        if (Epoch == 1)
        {
            throw new CancelEpochException();
        }
    }
}
