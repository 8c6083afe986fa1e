using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// [Checkpointed] members travel through a SaveModel checkpoint into a new learner with a new
/// callback instance; a member whose type changed since the checkpoint is a clear error.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed partial class CheckpointedStateTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-state-").FullName;
    private readonly TinyTask task = new(samples: 48, batchSize: 16);

    public sealed partial class LossTracker : Callback
    {
        [Checkpointed] private int count;
        [Checkpointed] private double best = double.PositiveInfinity;
        [Checkpointed] private List<double> history = new();
        [Checkpointed] private Tensor? ema;

        public int Count => count;

        public double Best => best;

        public IReadOnlyList<double> History => history;

        public Tensor? Ema => ema;

        [Callback]
        private void AfterBatch()
        {
            if (!Training)
            {
                return;
            }

            double loss = Loss.item<float>();
            count++;
            best = Math.Min(best, loss);
            history.Add(loss);
            using Tensor w = Model.parameters().First().detach();
            using Scalar keep = 0.9.ToScalar(), take = 0.1.ToScalar(), one = 1.ToScalar();
            Tensor next = ema is null ? w.clone() : ema.mul(keep).add_(w.mul(take), one);
            ema?.Dispose();
            ema = next.DetachFromDisposeScope();
        }
    }

    /// <summary>Another version of <see cref="LossTracker"/>: the count became a long.</summary>
    public sealed partial class LossTrackerV2 : Callback
    {
        [Checkpointed] private long count;
        [Checkpointed] private double best;
        [Checkpointed] private List<double> history = new();
        [Checkpointed] private Tensor? ema;

        public long Count => count;

        protected override string DefaultStateKey => nameof(LossTracker);

        [Callback]
        private void AfterBatch()
        {
            count++;
            best = Math.Min(best, count);
            history.Add(best);
            ema = null;
        }
    }

    [Fact]
    public void Checkpointed_members_saved_by_SaveModel_come_back_equal_in_a_new_learner_with_a_new_instance()
    {
        string path = Path.Combine(dir, "state.ckpt");
        var first = new LossTracker();
        task.Learner(modelSeed: 1, cbs: first).Fit(2, cbs: new[] { new SaveModel(path) });
        Assert.Equal(6, first.Count);

        var second = new LossTracker();
        task.Learner(modelSeed: 2, cbs: second).LoadCheckpoint(path);

        Assert.Equal(first.Count, second.Count);
        Assert.Equal(first.Best, second.Best);
        Assert.Equal(first.History, second.History);
        Assert.NotNull(second.Ema);
        Assert.Equal(first.Ema!.device_type, second.Ema!.device_type);
        Assert.Equal(first.Ema.shape, second.Ema.shape);
        Assert.Equal(first.Ema.data<float>().ToArray(), second.Ema.data<float>().ToArray());
    }

    [Fact]
    public void A_stored_member_whose_type_changed_is_an_error_naming_the_class_the_member_and_both_types()
    {
        string path = Path.Combine(dir, "v1.ckpt");
        task.Learner(modelSeed: 1, cbs: new LossTracker()).Fit(1, cbs: new[] { new SaveModel(path) });
        var newer = new LossTrackerV2();
        Learner learn = task.Learner(modelSeed: 1, cbs: newer);

        var ex = Assert.Throws<CallbackGen.Checkpoints.CheckpointException>(() => learn.LoadCheckpoint(path));

        Assert.Contains("LossTrackerV2.count was stored as 'int' but is declared as 'long' now", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(key 'LossTracker')", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, newer.Count);
    }

    [Fact]
    public void Two_stateful_callbacks_with_one_key_fail_at_attach_time_naming_both()
    {
        Learner learn = task.Learner(modelSeed: 1);
        learn.Add(new SaveModel(Path.Combine(dir, "a.ckpt")));

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Add(new SaveModel(Path.Combine(dir, "b.ckpt"))));

        Assert.Contains("'SaveModel'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the attached callback 'SaveModel' already uses", ex.Message, StringComparison.Ordinal);
        learn.Add(new SaveModel(Path.Combine(dir, "b.ckpt")) { StateKey = "b" });
        learn.Add(new SaveModel(Path.Combine(dir, "best.ckpt"), monitor: "valid_loss"));
        Assert.Equal(
            new[] { "AvgStatsCallback", "SaveModel", "SaveModel[monitor=valid_loss,goal=min]", "b" },
            learn.Callbacks.Where(c => c.IsStateful).Select(c => c.StateKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Built_in_keys_come_from_configuration_never_from_a_path()
    {
        Assert.Equal("SaveModel", new SaveModel("/some/machine/path/last.ckpt").StateKey);
        Assert.Equal("SaveModel[monitor=accuracy,goal=max]", new SaveModel("x.ckpt", monitor: "accuracy", goal: Goal.Maximize).StateKey);
        Assert.Equal("EarlyStopping[valid_loss]", new EarlyStopping().StateKey);
        Assert.Equal("CsvLogger", new CsvLogger("/tmp/log.csv").StateKey);
        Assert.Equal("LossTracker", new LossTracker().StateKey);
        Assert.Throws<ArgumentException>(() => new LossTracker { StateKey = " " });
    }

    [Fact]
    public void No_built_in_callback_writes_its_state_by_hand()
    {
        Type[] handWritten = typeof(Callback).Assembly.GetTypes()
            .Where(t => !t.IsInterface && typeof(ICheckpointable).IsAssignableFrom(t))
            .ToArray();

        Assert.Empty(handWritten);
        Assert.All(
            new Callback[] { new Recorder(), new ParamScheduler(Hyper.Lr, global::CallbackGen.Schedules.Lin(0.1, 0.01)), new EarlyStopping(), new SaveModel("x.ckpt"), new CsvLogger("x.csv") },
            cb => Assert.True(cb.IsStateful, cb.StateKey));
    }

    [Fact]
    public void A_section_written_by_hand_before_the_built_ins_moved_to_generated_state_is_refused_by_name()
    {
        // The layout of a Recorder section before the migration: one record of ICheckpointable bytes.
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(CallbackGen.Checkpoints.CallbackState.Version);
            w.Write(1);
            w.Write(CallbackGen.Checkpoints.CallbackState.HandWrittenName);
            w.Write(nameof(Recorder));
            w.Write(4L);
            w.Write(2);
        }

        ms.Position = 0;
        var rec = new Recorder();
        var ex = Assert.Throws<InvalidDataException>(() => CallbackGen.Checkpoints.CallbackState.Load(rec, new BinaryReader(ms), CPU));

        Assert.Equal(
            "the checkpoint holds hand-written state of Recorder, which no longer implements ICheckpointable; it was written by an earlier version of Recorder",
            ex.Message);
        Assert.Empty(rec.Losses);
    }

    public void Dispose()
    {
        task.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
