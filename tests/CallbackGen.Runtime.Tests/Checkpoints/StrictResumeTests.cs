using CallbackGen.Checkpoints;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>Strict resume: a checkpoint that does not match the fit fails before anything is touched.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class StrictResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-strict-").FullName;
    private readonly TinyTask task = new(samples: 48, batchSize: 16);

    private string Checkpoint(params Callback[] extras)
    {
        string path = Path.Combine(dir, "last.ckpt");
        Learner learn = task.Learner(modelSeed: 1);
        Assert.Throws<SimulatedCrashException>(() => learn.Fit(3, cbs: extras.Append(new SaveModel(path)).Append(new ThrowAt(epoch: 1, batch: 1)).ToArray()));
        return path;
    }

    private (Dictionary<string, byte[]> Weights, byte[] Opt) State(Learner learn)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            learn.Opt.SaveState(w);
        }

        return (TinyTask.Weights(learn), ms.ToArray());
    }

    private void AssertRefusedUntouched(string path, int epochs, Callback[] cbs, params string[] expected)
    {
        Learner learn = task.Learner(modelSeed: 2);
        learn.CreateOptimizer();
        var before = State(learn);

        var ex = Assert.Throws<ResumeMismatchException>(() => learn.Fit(epochs, resumeFrom: path, cbs: cbs));

        output.WriteLine(ex.Message);
        foreach (string e in expected)
        {
            Assert.Contains(e, ex.Message, StringComparison.Ordinal);
        }

        Assert.Contains("strict: false", ex.Message, StringComparison.Ordinal);
        var after = State(learn);
        TinyTask.AssertBitIdentical(before.Weights, after.Weights);
        Assert.Equal(before.Opt, after.Opt);
    }

    [Fact]
    public void A_missing_scheduler_is_refused_naming_its_state_and_what_to_attach()
    {
        string path = Checkpoint(new ParamScheduler(Hyper.Lr, CallbackGen.Schedules.Cos(1e-2, 1e-3)));
        AssertRefusedUntouched(path, 3, new Callback[] { new SaveModel(path) },
            "unclaimed: the checkpoint holds the state of 'ParamScheduler[lr]'", "Attach a ParamScheduler scheduling the same hyper-parameters");
    }

    [Fact]
    public void An_extra_stateful_callback_is_refused()
    {
        string path = Checkpoint();
        AssertRefusedUntouched(path, 3, new Callback[] { new SaveModel(path), new Recorder() },
            "missing: the attached callback 'Recorder' (state key 'Recorder') finds no state in the checkpoint");
    }

    [Fact]
    public void A_different_epoch_count_is_refused()
    {
        string path = Checkpoint();
        AssertRefusedUntouched(path, 5, new Callback[] { new SaveModel(path) },
            "epochs: the checkpoint was written by a fit of 3 epochs; this fit asks for 5", "Pass epochs: 3.");
    }

    [Fact]
    public void The_opt_out_resumes_and_reports_what_it_ignored()
    {
        string path = Checkpoint(new ParamScheduler(Hyper.Lr, CallbackGen.Schedules.Cos(1e-2, 1e-3)));
        Learner learn = task.Learner(modelSeed: 2);
        learn.Output = new StringWriter();

        learn.Fit(3, resumeFrom: path, cbs: new Callback[] { new SaveModel(path) }, strict: false);

        Assert.Equal(3, learn.Epoch + 1);
        string ignored = Assert.Single(learn.Messages, m => m.StartsWith("Resuming with strict: false, ignored", StringComparison.Ordinal));
        Assert.Contains("ParamScheduler[lr]", ignored, StringComparison.Ordinal);
        Assert.Contains(ignored, learn.Output.ToString()!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_moved_run_folder_resumes_bit_identically_and_its_CSV_has_no_repeated_epoch()
    {
        Learner a = task.Learner(modelSeed: 1);
        manual_seed(5);
        a.Fit(4, cbs: new Callback[] { new CsvLogger(Path.Combine(dir, "a.csv")) });

        string run = Path.Combine(dir, "run"), moved = Path.Combine(dir, "elsewhere", "run");
        Learner b = task.Learner(modelSeed: 1);
        manual_seed(5);
        Assert.Throws<SimulatedCrashException>(() => b.Fit(4, cbs: new Callback[]
        {
            new CsvLogger(Path.Combine(run, "history.csv")), new SaveModel(Path.Combine(run, "last.ckpt")), new ThrowAt(epoch: 2, batch: 1),
        }));
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(run, moved);

        Learner c = task.Learner(modelSeed: 3);
        manual_seed(77);
        c.Fit(4, resumeFrom: Path.Combine(moved, "last.ckpt"), cbs: new Callback[]
        {
            new CsvLogger(Path.Combine(moved, "history.csv")), new SaveModel(Path.Combine(moved, "last.ckpt")),
        });

        TinyTask.AssertBitIdentical(TinyTask.Weights(a), TinyTask.Weights(c));
        string[] lines = File.ReadAllLines(Path.Combine(moved, "history.csv"));
        Assert.Equal(new[] { "0", "1", "2", "3" }, lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.DoesNotContain(CallbackGen.Checkpoints.Checkpoint.Read(Path.Combine(moved, "last.ckpt")).CallbackKeys, k => k.Contains(dir, StringComparison.Ordinal));
    }

    [Fact]
    public void Epoch_N_checkpoint_is_on_disk_before_anything_of_epoch_N_plus_1_runs()
    {
        string path = Path.Combine(dir, "last.ckpt");
        Learner learn = task.Learner(modelSeed: 1);

        Assert.Throws<SimulatedCrashException>(() => learn.Fit(3, cbs: new Callback[] { new SaveModel(path), new CrashFirstInEpoch(1) }));

        Assert.Equal(1, CallbackGen.Checkpoints.Checkpoint.Read(path).StartEpoch);
    }

    public void Dispose()
    {
        task.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private sealed partial class CrashFirstInEpoch(int epoch) : Callback
    {
        [Callback(Order = -100_000)]
        private void BeforeEpoch()
        {
            if (Epoch == epoch)
            {
                throw new SimulatedCrashException("killed right after epoch " + (epoch - 1));
            }
        }
    }
}
