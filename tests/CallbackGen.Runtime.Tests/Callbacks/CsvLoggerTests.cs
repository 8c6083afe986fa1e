namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class CsvLoggerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-csv-").FullName;

    /// <summary>Crashes after the given epoch's row was logged but before its checkpoint was written.</summary>
    private sealed partial class CrashAfterEpoch(int epoch) : Callback
    {
        [Callback(Order = 100)]
        private void AfterEpoch()
        {
            if (Epoch == epoch)
            {
                throw new SimulatedCrashException("after epoch");
            }
        }
    }

    private string[] Rows(string csv) => File.ReadAllLines(csv);

    [Fact]
    public void It_writes_a_header_and_one_flushed_row_per_epoch()
    {
        using var task = new TinyTask();
        string csv = Path.Combine(dir, "log.csv");
        var logger = new CsvLogger(csv);
        Learner learn = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(0.5, 0.25));

        learn.Fit(2, cbs: new[] { logger });

        string[] rows = Rows(csv);
        Assert.Equal("epoch,train_loss,valid_loss,accuracy,time", rows[0]);
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("0,", rows[1], StringComparison.Ordinal);
        Assert.Contains(",0.25,-0.25,", rows[2], StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_crash_and_a_resume_the_file_has_one_header_and_each_epoch_once()
    {
        using var task = new TinyTask();
        string csv = Path.Combine(dir, "log.csv");
        string ckpt = Path.Combine(dir, "last.ckpt");
        var metric = new ScriptedMetric(0.5, 0.4, 0.3, 0.2);

        Learner first = task.Learner(modelSeed: 1, cbs: metric);
        Assert.Throws<SimulatedCrashException>(() =>
            first.Fit(4, cbs: new Callback[] { new CsvLogger(csv), new SaveModel(ckpt), new CrashAfterEpoch(2) }));
        Assert.Equal(1 + 3, Rows(csv).Length); // epoch 2 was logged, but its checkpoint never written

        Learner resumed = task.Learner(modelSeed: 2, cbs: new ScriptedMetric(0.5, 0.4, 0.3, 0.2));
        resumed.Fit(4, resumeFrom: ckpt, cbs: new Callback[] { new CsvLogger(csv), new SaveModel(ckpt) });

        string[] rows = Rows(csv);
        Assert.Single(rows, r => r.StartsWith("epoch,", StringComparison.Ordinal));
        Assert.Equal(new[] { "0", "1", "2", "3" }, rows.Skip(1).Select(r => r.Split(',')[0]));
    }

    [Fact]
    public void Append_continues_an_existing_file_without_a_second_header()
    {
        using var task = new TinyTask();
        string csv = Path.Combine(dir, "log.csv");
        Learner learn = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(0.5, 0.4));
        learn.Fit(2, cbs: new[] { new CsvLogger(csv) });

        learn.Fit(2, cbs: new[] { new CsvLogger(csv, append: true) });

        Assert.Equal(1 + 4, Rows(csv).Length);
        Assert.Single(Rows(csv), r => r.StartsWith("epoch,", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
