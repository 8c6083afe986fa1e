using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

/// <summary>
/// The interrupted epoch's row after a mid-epoch resume: AvgStatsCallback's running sums (loss and
/// training metrics) are checkpoint state, so the resumed fit reports the same training loss and
/// metrics, to the bit, as a fit that was never interrupted — in Learner.LastEpoch and in the CSV.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class AvgStatsResumeTests : IDisposable
{
    private const int Epochs = 3;
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-avgstats-").FullName;
    private readonly Tensor x;
    private readonly Tensor y;

    public AvgStatsResumeTests()
    {
        var g = new TorchSharp.torch.Generator(123);
        x = randn(new long[] { 80, 4 }, generator: g);
        y = (x.sum(1, keepdim: true) + (0.1 * randn(new long[] { 80, 1 }, generator: g))).detach();
    }

    // Stopped in the training phase (a checkpoint after batch 2 of epoch 1 of 5), in the validation
    // phase (the stop's final checkpoint sits after the epoch's last training batch), and twice: the
    // resumed fit stops again one batch later, so its checkpoint is written before any AfterEpoch of
    // its own (the kill -9 soak found CsvLogger storing 0 rows there, and the CSV lost epoch 0).
    [Theory]
    [InlineData("training")]
    [InlineData("validation")]
    [InlineData("training-twice")]
    public void A_fit_resumed_mid_epoch_reports_the_interrupted_epochs_row_as_the_uninterrupted_fit(string stopIn)
    {
        var rowsA = new List<EpochRecord>();
        Learner a = Create(modelSeed: 1);
        manual_seed(99);
        a.Fit(Epochs, cbs: Callbacks("a", rowsA));

        var rowsB = new List<EpochRecord>();
        Learner b = Create(modelSeed: 1);
        manual_seed(99);
        bool training = stopIn != "validation";
        b.Fit(Epochs, cbs: Callbacks("b", rowsB).Append(new StopAt(epoch: 1, training: training, batch: 2)));
        Assert.True(b.StopRequested);
        var saved = CallbackGen.Checkpoints.Checkpoint.Read(Path.Combine(dir, "b.ckpt"));
        Assert.Equal((1, training ? 3 : 5), (saved.StartEpoch, saved.NextBatch));
        Assert.Contains("AvgStatsCallback", saved.CallbackKeys);
        if (stopIn == "training-twice")
        {
            Learner again = Create(modelSeed: 3);
            again.Fit(Epochs, resumeFrom: Path.Combine(dir, "b.ckpt"), cbs: Callbacks("b", new List<EpochRecord>()).Append(new StopAt(epoch: 1, training: true, batch: 3)));
            var second = CallbackGen.Checkpoints.Checkpoint.Read(Path.Combine(dir, "b.ckpt"));
            Assert.Equal((1, 4), (second.StartEpoch, second.NextBatch));
        }

        // A fresh learner (other initial weights, another global seed) resumes and finishes.
        var rowsC = new List<EpochRecord>();
        Learner c = Create(modelSeed: 2);
        manual_seed(12345);
        c.Fit(Epochs, resumeFrom: Path.Combine(dir, "b.ckpt"), cbs: Callbacks("b", rowsC));

        Assert.Equal(Epochs, rowsA.Count);
        Assert.Equal(new[] { 1, 2 }, rowsC.Select(r => r.Epoch));
        for (int i = 0; i < rowsC.Count; i++)
        {
            EpochRecord expected = rowsA[i + 1], actual = rowsC[i];
            Assert.Equal(expected.Columns, actual.Columns);
            Assert.Equal(Bits(expected.Values), Bits(actual.Values));
            Assert.Equal(expected.Train!.Count, actual.Train!.Count);
        }

        Assert.Equal(Bits(a.LastEpoch!.Values), Bits(c.LastEpoch!.Values));
        // The CSV: same epochs, same numbers, once each; only the time column differs.
        Assert.Equal(WithoutTime(Path.Combine(dir, "a.csv")), WithoutTime(Path.Combine(dir, "b.csv")));
    }

    [Fact]
    public void The_state_is_empty_at_an_epoch_boundary_and_a_mismatched_metric_set_is_refused_with_the_learner_unchanged()
    {
        Learner b = Create(modelSeed: 1);
        b.Fit(Epochs, cbs: Callbacks("b", new List<EpochRecord>()).Append(new StopAt(epoch: 1, training: true, batch: 2)));
        string ckpt = Path.Combine(dir, "b.ckpt");

        // Fewer training metrics than the checkpoint's sums: a CheckpointException naming the callback, nothing trained.
        Learner other = Create(modelSeed: 2, trainMetrics: false);
        byte[] before = Weights(other);
        var ex = Assert.ThrowsAny<IOException>(() => other.Fit(Epochs, resumeFrom: ckpt, cbs: Callbacks("b", new List<EpochRecord>())));
        Assert.Contains("AvgStatsCallback", ex.Message, StringComparison.Ordinal);
        Assert.Contains("training averages cover 2 metrics", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Weights(other));

        // An epoch-end checkpoint (written after AfterEpoch) carries no sums: a learner without training metrics resumes from it.
        Learner d = Create(modelSeed: 1);
        Assert.Throws<SimulatedCrashException>(() => d.Fit(2, cbs: new Callback[] { new SaveModel(Path.Combine(dir, "d.ckpt")), new ThrowAt(epoch: 1, batch: 0) }));
        Learner e = Create(modelSeed: 3, trainMetrics: false);
        e.Fit(2, resumeFrom: Path.Combine(dir, "d.ckpt"), cbs: new Callback[] { new SaveModel(Path.Combine(dir, "d.ckpt")) });
        Assert.Equal(1, e.LastEpoch!.Epoch);
        Assert.Equal(new[] { "train_loss", "valid_loss", "mae" }, e.LastEpoch.Columns);
    }

    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private static Metric Mae { get; } = new("mae", (p, t) => (p - t).abs().mean());

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static string[] WithoutTime(string csv) =>
        File.ReadAllLines(csv).Select(l => l[..l.LastIndexOf(',')]).ToArray();

    private static byte[] Weights(Learner learn) =>
        learn.Model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.detach().cpu().contiguous().bytes.ToArray()).ToArray();

    private Callback[] Callbacks(string name, List<EpochRecord> rows) => new Callback[]
    {
        new SaveModel(Path.Combine(dir, name + ".ckpt"), everyBatches: 1),
        new CsvLogger(Path.Combine(dir, name + ".csv")),
        new Rows(rows),
    };

    // Training metrics on (two metrics, so the totals of each must land in their own accumulator), dropout and a
    // shuffling loader: the resumed phase must add up the same batches in the same order.
    private Learner Create(int modelSeed, bool trainMetrics = true) =>
        new(Model(modelSeed), Data(), (p, t) => nn.functional.mse_loss(p, t), (m, lr) => Optimizer.FromTorchSharp(optim.Adam(m.parameters(), lr)), lr: 1e-2,
            metrics: trainMetrics ? new[] { Mae, new Metric("within", (p, t) => (p - t).abs().lt(0.5).to_type(ScalarType.Float32).mean()) } : new[] { Mae },
            trainMetrics: trainMetrics);

    private DataBunch Data() =>
        new(new DataLoader(x, y, 16, shuffle: true, generator: new TorchSharp.torch.Generator(5)), new DataLoader(x, y, 32));

    private static nn.Module<Tensor, Tensor> Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(("lin1", nn.Linear(4, 16)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("lin2", nn.Linear(16, 1)));
    }

    [Transient] // a test probe
    private sealed partial class Rows(List<EpochRecord> rows) : Callback
    {
        [Callback(Order = 100)] private void AfterEpoch() => rows.Add(Learn.LastEpoch!);
    }

    /// <summary>Asks the fit to stop after a batch (training batch <c>batch</c>, or the first validation batch) of an epoch.</summary>
    [Transient]
    private sealed partial class StopAt(int epoch, bool training, int batch) : Callback
    {
        [Callback]
        private void AfterBatch()
        {
            if (Epoch == epoch && Training == training && (!training || Iter == batch))
            {
                Learn.RequestStop("test");
            }
        }
    }
}
