using CallbackGen.Checkpoints;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary><c>SaveModel(…, background: true)</c>: the same files, written while training goes on, all on disk when the fit returns.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class BackgroundSaveTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-bg-").FullName;

    [Fact]
    public void Background_checkpoints_are_the_files_a_synchronous_save_writes()
    {
        string sync = Path.Combine(dir, "sync-{epoch}.ckpt"), background = Path.Combine(dir, "bg-{epoch}.ckpt");
        CheckpointFiles.AdamWLearner().Fit(3, cbs: new[] { new SaveModel(sync, everyBatches: 2) });
        var save = new SaveModel(background, everyBatches: 2, background: true);
        CheckpointFiles.AdamWLearner().Fit(3, cbs: new[] { save });

        Assert.Equal(Path.Combine(dir, "bg-2.ckpt"), save.LastSaved);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(File.ReadAllBytes(sync.Replace("{epoch}", $"{epoch}")), File.ReadAllBytes(background.Replace("{epoch}", $"{epoch}")));
        }
    }

    [Fact]
    public void A_background_write_that_fails_is_reported_by_the_fit_and_leaves_the_previous_file()
    {
        string folder = Path.Combine(dir, "taken");
        Directory.CreateDirectory(folder);
        var ex = Assert.Throws<IOException>(() => CheckpointFiles.AdamWLearner().Fit(1, cbs: new[] { new SaveModel(folder, background: true) }));
        Assert.Contains("it is a folder", ex.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public void A_resumed_fit_from_a_background_checkpoint_matches_the_uninterrupted_one()
    {
        string path = Path.Combine(dir, "last.ckpt");
        Learner whole = CheckpointFiles.AdamWLearner();
        whole.Fit(2);

        Learner first = CheckpointFiles.AdamWLearner();
        Assert.Throws<SimulatedCrashException>(() => first.Fit(2, cbs: new Callback[] { new SaveModel(path, everyBatches: 1, background: true), new ThrowAt(epoch: 1, batch: 3) }));
        Learner resumed = CheckpointFiles.AdamWLearner();
        resumed.Fit(2, resumeFrom: path, cbs: new[] { new SaveModel(path, everyBatches: 1, background: true) });
        TinyTask.AssertBitIdentical(TinyTask.Weights(whole), TinyTask.Weights(resumed));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
