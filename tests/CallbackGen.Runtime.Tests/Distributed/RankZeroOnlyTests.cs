namespace CallbackGen.Runtime.Tests.Distributed;

/// <summary>On a rank other than 0, output-only callbacks take no part and the learner prints nothing (no MPI needed).</summary>
public sealed class RankZeroOnlyTests
{
    [Fact]
    public void On_rank_1_the_csv_logger_and_save_model_write_nothing_and_log_lines_are_kept_but_not_printed()
    {
        using var dir = new TempDirectory();
        string csv = Path.Combine(dir.Path, "history.csv");
        string ckpt = Path.Combine(dir.Path, "last.ckpt");
        var printed = new StringWriter();
        using Learner learn = TinyTask.Learner(cbs: [new CsvLogger(csv), new SaveModel(ckpt)]);
        learn.Output = printed;
        learn.SetRank(1, 2);

        learn.Fit(1);
        learn.Log("from rank 1");

        Assert.False(File.Exists(csv));
        Assert.False(File.Exists(ckpt));
        Assert.Equal(string.Empty, printed.ToString());
        Assert.Contains("from rank 1", learn.Messages);
        Assert.DoesNotContain(Plan.Handlers(learn, Event.AfterEpoch), h => h.Contains("CsvLogger", StringComparison.Ordinal) || h.Contains("SaveModel", StringComparison.Ordinal));
    }

    [Fact]
    public void On_rank_0_the_same_callbacks_write_as_in_one_process()
    {
        using var dir = new TempDirectory();
        string csv = Path.Combine(dir.Path, "history.csv");
        using Learner learn = TinyTask.Learner(cbs: [new CsvLogger(csv)]);
        learn.Output = new StringWriter();
        learn.SetRank(0, 2);

        learn.Fit(1);

        Assert.Equal(2, File.ReadAllLines(csv).Length);
        Assert.Equal((0, 2), (learn.Rank, learn.WorldSize));
    }
}
