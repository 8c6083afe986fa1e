using System.Security.Cryptography;
using CallbackGen.Runtime.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// Run kinds: callbacks that write or report results take part in fits only, so an LR finder,
/// a validation or a prediction leaves their files and state as it found them.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class RunKindTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-runkind-").FullName;

    [Fact]
    public void LrFind_after_a_fit_leaves_every_file_and_every_callbacks_state_as_it_found_them()
    {
        using var task = new TinyTask(samples: 64, batchSize: 16);
        string last = Path.Combine(dir, "last.ckpt"), best = Path.Combine(dir, "best.ckpt"), csv = Path.Combine(dir, "history.csv");
        var progressOut = new StringWriter();
        var recorder = new Recorder();
        var stop = new EarlyStopping(patience: 5);
        var saveLast = new SaveModel(last);
        var saveBest = new SaveModel(best, monitor: "valid_loss");
        var logger = new CsvLogger(csv, append: true);
        var progress = new Progress(output: progressOut);
        var tally = new BatchTally(); // a user's callback: takes part in every kind of run, and has checkpoint state
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { saveLast, saveBest, logger, stop, recorder, progress, tally });
        learn.Output = new StringWriter();
        manual_seed(7);
        learn.Fit(3);

        var files = new[] { last, best, csv }.ToDictionary(f => f, Sha256);
        Dictionary<string, byte[]> states = States(learn);
        string printed = progressOut.ToString();
        (int, long, PhaseStats?, PhaseStats?, double) loop = (learn.Epoch, learn.TrainIter, learn.TrainStats, learn.ValidStats, learn.PctTrain);
        int recorded = recorder.Losses.Count;

        Assert.Equal((12, 12), (tally.Batches, tally.SeenInRuns)); // 3 epochs of 4 training batches before the finder

        LrFindResult r = learn.LrFind(numIt: 12);

        Assert.Equal(12, r.Lrs.Count);
        foreach (var (file, hash) in files)
        {
            output.WriteLine($"{Path.GetFileName(file)} sha256 before {hash} after {Sha256(file)}");
            Assert.Equal(hash, Sha256(file));
        }

        Dictionary<string, byte[]> after = States(learn);
        Assert.Equal(7, states.Count); // two SaveModels, CsvLogger, EarlyStopping, Recorder, BatchTally, the learner's AvgStatsCallback (empty between fits)
        Assert.Equal(states.Keys, after.Keys);
        foreach (var (key, bytes) in states)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[key]), $"the state of '{key}' changed");
        }

        Assert.Equal(12 + 12, tally.SeenInRuns); // it ran in the finder's 12 batches, and its checkpoint state was put back
        Assert.Equal(12, tally.Batches);
        Assert.Equal(printed, progressOut.ToString());
        Assert.Equal(3, printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(recorded, recorder.Losses.Count);
        Assert.Equal(loop, (learn.Epoch, learn.TrainIter, learn.TrainStats, learn.ValidStats, learn.PctTrain));
        Assert.Equal(RunKind.LrFind, learn.RunKind);
        Assert.Equal(3, File.ReadAllLines(csv).Length - 1);
    }

    [Fact]
    public void A_fit_after_LrFind_trains_exactly_as_a_fit_without_it()
    {
        using var task = new TinyTask(samples: 64, batchSize: 16);
        Learner a = task.Learner(modelSeed: 1);
        manual_seed(3);
        a.Fit(2);

        Learner b = task.Learner(modelSeed: 1);
        manual_seed(3);
        b.LrFind(numIt: 6);
        b.Fit(2);

        TinyTask.AssertBitIdentical(TinyTask.Weights(a), TinyTask.Weights(b));
    }

    [Fact]
    public void Callbacks_run_only_in_the_kinds_they_list_and_see_the_kind_of_the_run()
    {
        using var task = new TinyTask(samples: 32, batchSize: 16);
        var fitOnly = new KindSpy(RunKinds.Fit);
        var everywhere = new KindSpy(RunKinds.All);
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { fitOnly, everywhere });

        learn.Validate();
        learn.LrFind(numIt: 3);
        learn.Fit(1);

        Assert.Equal(new[] { RunKind.Fit }, fitOnly.Kinds.Distinct());
        Assert.Equal(1, fitOnly.Teardowns);
        Assert.Equal(new[] { RunKind.Validate, RunKind.LrFind, RunKind.Fit }, everywhere.Kinds.Distinct());
        Assert.Equal(3, everywhere.Teardowns);
    }

    [Fact]
    public void A_prediction_run_calls_no_loss_and_leaves_the_statistics_as_they_were()
    {
        using var task = new TinyTask(samples: 32, batchSize: 16);
        var spy = new KindSpy(RunKinds.All);
        var fitOnly = new KindSpy(RunKinds.Fit);
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { spy, fitOnly });
        learn.Fit(1);
        PhaseStats? valid = learn.ValidStats;
        spy.Kinds.Clear();
        int losses = spy.LossesSeen;

        learn.RunPhase(RunKind.Predict, Phase.Validate, learn.Data.Valid);

        Assert.Equal(learn.Data.Valid.Count, spy.Kinds.Count);
        Assert.All(spy.Kinds, k => Assert.Equal(RunKind.Predict, k));
        Assert.Equal(losses, spy.LossesSeen);
        Assert.Same(valid, learn.ValidStats);
        Assert.Equal(1, fitOnly.Teardowns);
    }

    [Fact]
    public void The_TrainEvalCallback_cannot_be_removed_and_says_why()
    {
        using var task = new TinyTask(samples: 32, batchSize: 16);
        Learner learn = task.Learner(modelSeed: 1);
        var ex = Assert.Throws<InvalidOperationException>(() => learn.Remove(learn.Get<TrainEvalCallback>()!));
        Assert.Contains("loop depends on it", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(learn.Get<TrainEvalCallback>());
    }

    [Fact]
    public void Log_writes_to_the_output_and_keeps_the_runs_messages()
    {
        using var task = new TinyTask(samples: 32, batchSize: 16);
        var logOut = new StringWriter();
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new Logs() });
        learn.Output = logOut;

        learn.Fit(2);
        Assert.Equal(new[] { "epoch 0 ended", "epoch 1 ended" }, learn.Messages);
        Assert.Equal("epoch 0 ended" + Environment.NewLine + "epoch 1 ended" + Environment.NewLine, logOut.ToString());

        learn.Validate();
        Assert.Empty(learn.Messages);
    }

    private static string Sha256(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))).ToLowerInvariant();

    private static Dictionary<string, byte[]> States(Learner learn) =>
        learn.Callbacks.Where(c => c.IsStateful).ToDictionary(c => c.StateKey, c =>
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms))
            {
                CallbackGen.Checkpoints.CallbackState.Save(c, w);
            }

            return ms.ToArray();
        });

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private sealed partial class BatchTally : Callback
    {
        [Checkpointed]
        private int batches;

        [Transient]
        private int seen;

        public int Batches => batches;

        public int SeenInRuns => seen;

        [Callback]
        private void AfterBatch()
        {
            if (Training)
            {
                batches++;
                seen++;
            }
        }
    }

    [Transient] // a test probe: observes one run, nothing to resume
    private sealed partial class KindSpy(RunKinds kinds) : Callback
    {
        public override RunKinds RunsIn => kinds;

        public List<RunKind> Kinds { get; } = new();

        public int Teardowns { get; private set; }

        public int LossesSeen { get; private set; }

        [Callback] private void AfterBatch() => Kinds.Add(RunKind);

        [Callback] private void AfterLoss() => LossesSeen += Learn.Loss is null ? 0 : 1;

        protected internal override void Teardown(Exception? error) => Teardowns++;
    }

    private sealed partial class Logs : Callback
    {
        [Callback] private void AfterEpoch() => Learn.Log($"epoch {Epoch} ended");
    }
}
