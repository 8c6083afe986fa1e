namespace CallbackGen.Runtime.Tests.Callbacks;

public sealed partial class CsvLoggerTests
{
    [Fact]
    public void A_resume_replaces_the_file_whole_when_it_drops_the_rows_after_the_checkpoint()
    {
        using var task = new TinyTask();
        string csv = Path.Combine(dir, "log.csv");
        string ckpt = Path.Combine(dir, "last.ckpt");
        Learner first = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(0.5, 0.4, 0.3, 0.2));
        Assert.Throws<SimulatedCrashException>(() =>
            first.Fit(4, cbs: new Callback[] { new CsvLogger(csv), new SaveModel(ckpt), new CrashAfterEpoch(2) }));
        string[] beforeResume = Rows(csv);
        using var reader = new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        Learner resumed = task.Learner(modelSeed: 2, cbs: new ScriptedMetric(0.5, 0.4, 0.3, 0.2));
        resumed.Fit(4, resumeFrom: ckpt, cbs: new Callback[] { new CsvLogger(csv), new SaveModel(ckpt) });

        // The kept rows went to a new file renamed over the old one (a crash in between leaves one of
        // the two whole); the old file, still open here, was never truncated in place.
        using (var old = new StreamReader(reader))
        {
            Assert.Equal(string.Join(Environment.NewLine, beforeResume) + Environment.NewLine, old.ReadToEnd());
        }

        Assert.Equal(new[] { "0", "1", "2", "3" }, Rows(csv).Skip(1).Select(r => r.Split(',')[0]));
        Assert.Equal(new[] { "last.ckpt", "log.csv" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
