using CallbackGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using Sched = CallbackGen.Schedules;

namespace CallbackGen.Runtime.Tests.Callbacks;

public partial class ParamSchedulerTests
{
    /// <summary>What the optimiser held during validation batches (the scheduler must not touch it there).</summary>
    private sealed partial class ValidationProbe : Callback
    {
        public List<double> ValidationLrs { get; } = new();

        public List<double> TrainPositions { get; } = new();

        [Callback(Order = 70)]
        private void BeforeBatch()
        {
            if (Training)
            {
                TrainPositions.Add(PctTrain);
            }
            else
            {
                ValidationLrs.Add(Opt.Get(Hyper.Lr, 1));
            }
        }
    }

    [Fact]
    public void A_fit_on_two_groups_records_exactly_the_scheduled_values_per_group_per_batch()
    {
        using var mlp = new SeedMlp(samples: 120, batchSize: 32);
        Schedule body = Sched.Cos(0.1, 0.01), head = Sched.Lin(0.05, 0.001), mom = Sched.Lin(0.95, 0.85);
        var scheduler = new ParamScheduler(Hyper.Lr, body, head).Add(Hyper.Mom, mom);
        var rec = new Recorder();
        var probe = new ValidationProbe();
        var learn = mlp.Learner(Optimizer.Sgd(momentum: 0.9, groups: mlp.BodyHead), 0.1, rec, probe);

        learn.Fit(2, cbs: new Callback[] { scheduler });

        int n = 2 * mlp.Train.Count;
        Assert.Equal(n, rec.Losses.Count);
        Assert.Equal(new[] { Hyper.Lr, Hyper.Mom }, rec.Hypers);
        for (int k = 0; k < n; k++)
        {
            double pos = (double)k / n;
            Assert.Equal(pos, probe.TrainPositions[k], 1e-12);
            Assert.Equal(body(pos), rec.Values(Hyper.Lr, 0)[k], 1e-12);
            Assert.Equal(head(pos), rec.Values(Hyper.Lr, 1)[k], 1e-12);
            Assert.Equal(mom(pos), rec.Values(Hyper.Mom, 0)[k], 1e-12);
            Assert.Equal(mom(pos), rec.Values(Hyper.Mom, 1)[k], 1e-12);
        }

        // Exactly what the scheduler set, bit for bit, and the head is the recorder's Lrs.
        Assert.Equal(scheduler.LastValues[0][1], rec.Values(Hyper.Lr, 1)[^1]);
        Assert.Equal(rec.Values(Hyper.Lr, 1), rec.Lrs);
        // Validation batches see the last training value: nothing was scheduled there.
        Assert.Equal(2 * mlp.Valid.Count, probe.ValidationLrs.Count);
        Assert.Equal(rec.Values(Hyper.Lr, 1)[mlp.Train.Count - 1], probe.ValidationLrs[0]);
        Assert.Equal(rec.Values(Hyper.Lr, 1)[^1], probe.ValidationLrs[^1]);
    }

    [Fact]
    public void Fit_one_cycle_with_two_groups_gives_each_group_its_own_correct_cycle()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 32);
        var rec = new Recorder();
        var learn = mlp.Learner(Optimizer.Sgd(groups: mlp.BodyHead), 0.1, rec);

        learn.FitOneCycle(2, new[] { 1e-3, 1e-2 });

        int n = 2 * mlp.Train.Count;
        Schedule body = Sched.OneCycleLr(1e-3), head = Sched.OneCycleLr(1e-2), mom = Sched.OneCycleMom();
        Assert.Equal(n, rec.Lrs.Count);
        for (int k = 0; k < n; k++)
        {
            double pos = (double)k / n;
            Assert.Equal(body(pos), rec.Values(Hyper.Lr, 0)[k], 1e-12);
            Assert.Equal(head(pos), rec.Values(Hyper.Lr, 1)[k], 1e-12);
            Assert.Equal(mom(pos), rec.Values(Hyper.Mom, 1)[k], 1e-12);
        }

        // The peak is reached at pct_start for both groups, at each group's own maximum.
        Assert.Equal(1e-3, rec.Values(Hyper.Lr, 0).Max(), 1e-4);
        Assert.Equal(1e-2, rec.Values(Hyper.Lr, 1).Max(), 1e-3);
    }

    [Fact]
    public void Fit_one_cycle_with_one_peak_schedules_every_group_alike_and_sets_the_weight_decay()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 32);
        var rec = new Recorder();
        var learn = mlp.Learner(Optimizer.AdamW(groups: mlp.BodyHead), 0.1, rec);

        learn.FitOneCycle(1, 1e-2, wd: 0.05);

        int n = mlp.Train.Count;
        Schedule lr = Sched.OneCycleLr(1e-2), beta1 = Sched.OneCycleMom();
        for (int k = 0; k < n; k++)
        {
            for (int g = 0; g < 2; g++)
            {
                Assert.Equal(lr((double)k / n), rec.Values(Hyper.Lr, g)[k], 1e-12);
                Assert.Equal(beta1((double)k / n), rec.Values(Hyper.Mom, g)[k], 1e-12);
            }
        }

        Assert.Equal(new[] { 0.05, 0.05 }, new[] { learn.Opt.Get(Hyper.Wd, 0), learn.Opt.Get(Hyper.Wd, 1) });
        Assert.Equal(1e-2, learn.Lr);
    }

    [Fact]
    public void TorchSharps_OneCycleLR_gives_the_second_group_a_different_cycle_than_the_first()
    {
        // Both groups get the same max_lr, so a correct scheduler gives both the same rates.
        var a = new TorchSharp.Modules.Parameter(zeros(1));
        var b = new TorchSharp.Modules.Parameter(zeros(1));
        using var sgd = optim.SGD(new[] { new TorchSharp.Modules.SGD.ParamGroup { Parameters = new[] { a } }, new TorchSharp.Modules.SGD.ParamGroup { Parameters = new[] { b } } }, 0.1, momentum: 0.9);
        var theirs = optim.lr_scheduler.OneCycleLR(sgd, max_lr: 1e-2, total_steps: 20);
        var group0 = new List<double>();
        var group1 = new List<double>();
        for (int step = 0; step < 19; step++)
        {
            group0.Add(sgd.ParamGroups.First().LearningRate);
            group1.Add(sgd.ParamGroups.Last().LearningRate);
            sgd.step();
            theirs.step();
        }

        // Theirs: group 1 keeps following the warm-up cosine past its end, so after the peak (step 5)
        // it falls back to the start and climbs to the maximum again (step 15) instead of annealing.
        int peak = group0.IndexOf(group0.Max());
        Assert.Equal(5, peak);
        Assert.True(group0.Skip(peak).Zip(group0.Skip(peak + 1)).All(p => p.Second < p.First), "group 0 anneals after its peak");
        Assert.Contains(group1.Skip(peak).Zip(group1.Skip(peak + 1)), p => p.Second > p.First);
        Assert.Equal(1e-2, group1[15], 1e-9);
        Assert.True(group0[15] < 3e-3, $"group 0 at step 15: {group0[15]}");
    }

    [Fact]
    public void A_schedule_count_that_does_not_match_the_groups_fails_at_the_start_of_the_fit()
    {
        using var mlp = new SeedMlp(samples: 40, batchSize: 20);
        var learn = mlp.Learner(Optimizer.Sgd(groups: mlp.BodyHead));
        var three = new ParamScheduler(Hyper.Lr, Sched.Lin(1, 2), Sched.Lin(1, 2), Sched.Lin(1, 2));

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { three }));

        Assert.Contains("3 schedule(s) for Hyper.Lr", ex.Message);
        Assert.Contains("2 parameter group(s)", ex.Message);
        Assert.Null(three.IsAttached ? three : null);
    }

    [Fact]
    public void Scheduling_a_hyper_the_optimiser_lacks_fails_at_the_start_of_the_fit()
    {
        using var mlp = new SeedMlp(samples: 40, batchSize: 20);
        var learn = mlp.Learner(Optimizer.Sgd());

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { new ParamScheduler(Hyper.Beta2, Sched.Lin(0.9, 0.99)) }));

        Assert.Contains("beta2", ex.Message);
        Assert.Contains("SGD", ex.Message);
    }

    [Fact]
    public void The_same_hyper_cannot_be_scheduled_twice()
    {
        var s = new ParamScheduler(Hyper.Lr, Sched.Lin(1, 2));

        Assert.Throws<ArgumentException>(() => s.Add(Hyper.Lr, Sched.Cos(1, 2)));
    }

    [Fact]
    public void Checkpointed_state_round_trips_and_refuses_another_schedulers_state()
    {
        using var mlp = new SeedMlp(samples: 40, batchSize: 20);
        var scheduler = new ParamScheduler(Hyper.Lr, Sched.Cos(0.1, 0.01)).Add(Hyper.Mom, Sched.No(0.9, 0.9));
        mlp.Learner(Optimizer.Sgd(momentum: 0.5), 0.1).Fit(1, cbs: new[] { scheduler });
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            CallbackState.Save(scheduler, w);
        }

        var same = new ParamScheduler(Hyper.Lr, Sched.Cos(0.1, 0.01)).Add(Hyper.Mom, Sched.No(0.9, 0.9));
        var other = new ParamScheduler(Hyper.Wd, Sched.Lin(0, 1));
        stream.Position = 0;
        CallbackState.Load(same, new BinaryReader(stream), CPU);
        stream.Position = 0;
        var ex = Assert.Throws<InvalidDataException>(() => CallbackState.Load(other, new BinaryReader(stream), CPU));

        Assert.Equal(scheduler.LastValues.Select(v => v.ToArray()), same.LastValues.Select(v => v.ToArray()));
        Assert.Equal("ParamScheduler[lr,mom]", same.StateKey);
        Assert.Contains("ParamScheduler[wd]", ex.Message);
    }
}
