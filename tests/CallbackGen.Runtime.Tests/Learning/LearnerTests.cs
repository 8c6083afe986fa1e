using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

public class LearnerTests
{
    [Fact]
    public void Fit_with_an_lr_sets_every_group_of_the_existing_optimiser_and_without_one_keeps_per_group_rates()
    {
        using var learn = TinyTask.Learner();
        learn.Fit(1, lr: 0.1);
        learn.Fit(1, lr: 0.05);
        Assert.Equal(0.05, learn.Opt.Get(Hyper.Lr));
        Assert.Equal(0.05, learn.Lr);

        learn.Opt.Set(Hyper.Lr, 0.3, group: 0);
        learn.Fit(1);
        Assert.Equal(0.3, learn.Opt.Get(Hyper.Lr));
    }

    [Fact]
    public void Per_fit_callbacks_are_detached_after_the_fit_and_permanent_ones_stay()
    {
        var log = new List<string>();
        var permanent = new RecordingCallback(log);
        var perFit = new RecordingCallback(new List<string>());
        using var learn = TinyTask.Learner(cbs: new[] { permanent });

        learn.Fit(1, cbs: new[] { perFit });

        Assert.False(perFit.IsAttached);
        Assert.True(permanent.IsAttached);
        Assert.DoesNotContain(perFit, learn.Callbacks);
        Assert.Equal(new[] { typeof(TrainEvalCallback), typeof(AvgStatsCallback), typeof(TerminateOnNaN), typeof(RecordingCallback) },
            learn.Callbacks.Select(c => c.GetType()));
    }

    [Fact]
    public void A_fit_or_validation_started_from_a_handler_is_refused()
    {
        using var learn = TinyTask.Learner();
        var nested = new NestedRun();

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { nested }));

        Assert.Contains("runs cannot nest", ex.Message, StringComparison.Ordinal);
        learn.Fit(1);
    }

    [Fact]
    public void Validate_fires_only_the_validation_phase_returns_its_stats_and_changes_no_weight()
    {
        var log = new List<string>();
        using var learn = TinyTask.Learner(log, cbs: new[] { new RecordingCallback(log) }, validBatches: 2);
        learn.Model.train();
        float[] before = Flat(learn.Model);

        PhaseStats stats = learn.Validate();

        Assert.Equal(
            new[]
            {
                "BeforeValidate",
                "BeforeBatch", "AfterPred", "AfterLoss", "AfterBatch",
                "BeforeBatch", "AfterPred", "AfterLoss", "AfterBatch",
                "AfterValidate",
            },
            log);
        Assert.Same(learn.ValidStats, stats);
        Assert.Equal(4, stats.Count);
        Assert.Equal(before, Flat(learn.Model));
        Assert.True(learn.Model.training, "the model's mode is restored");
        Assert.False(learn.Training);
    }

    [Fact]
    public void Validate_on_another_loader_averages_that_loader()
    {
        using var learn = TinyTask.Learner();
        DataLoader train = learn.Data.Train;

        PhaseStats stats = learn.Validate(train);

        Assert.Equal(train.Length, stats.Count);
    }

    [Fact]
    public void Predict_runs_in_eval_mode_without_gradients_and_restores_the_mode()
    {
        using var gen = new Generator().manual_seed(3);
        using var model = nn.Sequential(("lin", nn.Linear(3, 4)), ("drop", nn.Dropout(0.5)));
        using var learn = new Learner(model, TinyTask.Data(), Losses.CrossEntropy);
        using Tensor x = randn(new long[] { 5, 3 }, generator: gen);
        model.train();

        using Tensor a = learn.Predict(x);
        using Tensor b = learn.Predict(x);

        Assert.True(a.allclose(b, rtol: 0, atol: 0), "dropout is off in eval mode, so two predictions agree");
        Assert.False(a.requires_grad);
        Assert.True(model.training);
        using (no_grad())
        {
            model.eval();
            using Tensor expected = model.forward(x);
            Assert.True(a.allclose(expected));
        }
    }

    [Fact]
    public void Predict_on_a_loader_concatenates_every_batch_in_order_on_the_cpu()
    {
        using var learn = TinyTask.Learner(validBatches: 3);
        DataLoader valid = learn.Data.Valid;

        using Tensor all = learn.Predict(valid);

        Assert.Equal(new long[] { valid.Length, 2 }, all.shape);
        Assert.Equal(DeviceType.CPU, all.device_type);
        using Tensor direct = learn.Predict(valid.Inputs);
        Assert.True(all.allclose(direct, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Asking_for_CUDA_without_a_CUDA_libtorch_says_so_and_how_to_get_one()
    {
        if (cuda.is_available())
        {
            return; // This machine can train on a GPU; the message is for the machines that cannot.
        }

        var errors = new[]
        {
            Assert.Throws<InvalidOperationException>(() =>
                new Learner(TinyTask.Model(), TinyTask.Data(), Losses.CrossEntropy, device: new Device(DeviceType.CUDA, 0))),
            Assert.Throws<InvalidOperationException>(() => Devices.Cuda()),
            Assert.Throws<InvalidOperationException>(() => Devices.Parse("cuda:0")),
        };

        Assert.All(errors, ex =>
        {
            Assert.Contains("torch.cuda.is_available() is false", ex.Message, StringComparison.Ordinal);
            Assert.Contains("TorchSharp-cuda", ex.Message, StringComparison.Ordinal);
            Assert.Contains("libtorch 2.10", ex.Message, StringComparison.Ordinal);
        });
        Assert.Equal(DeviceType.CPU, Devices.Default.type);
    }

    [Fact]
    public void Device_names_parse_and_an_unknown_one_is_refused()
    {
        Assert.Equal(DeviceType.CPU, Devices.Parse(" CPU ").type);
        var ex = Assert.Throws<ArgumentException>(() => Devices.Parse("tpu"));
        Assert.Contains("'cpu', 'cuda' or 'cuda:N'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Devices.Parse("cuda:x"));
    }

    [Fact]
    public void The_device_defaults_to_where_the_model_is_and_batches_arrive_there()
    {
        var probe = new DeviceProbe();
        using var learn = TinyTask.Learner(cbs: new[] { probe });

        learn.Fit(1);

        Assert.Equal(DeviceType.CPU, learn.Device.type);
        Assert.All(probe.Seen, t => Assert.Equal(DeviceType.CPU, t));
        Assert.Equal(3, probe.Seen.Count);
    }

    [Fact]
    public void The_dispatch_plan_lists_every_event_in_loop_order_with_handlers_in_call_order()
    {
        using var learn = TinyTask.Learner(cbs: new Callback[] { new LateAfterBatch(), new RecordingCallback(new List<string>()) });

        string plan = learn.DescribeCallbacks();

        const string expected = """
            Dispatch plan: 5 callbacks (TrainEvalCallback, AvgStatsCallback, TerminateOnNaN, LateAfterBatch, RecordingCallback), 23 of 23 events handled
              BeforeFit                   TrainEvalCallback(-10), TerminateOnNaN(0), RecordingCallback(0)
                BeforeEpoch               AvgStatsCallback(-5), RecordingCallback(0)
                  BeforeTrain             TrainEvalCallback(-10), AvgStatsCallback(-5), TerminateOnNaN(0), RecordingCallback(0)
                    BeforeBatch           RecordingCallback(0)
                      AfterPred           RecordingCallback(0)
                      AfterLoss           AvgStatsCallback(-5), TerminateOnNaN(0), RecordingCallback(0)
                      BeforeBackward      RecordingCallback(0)
                      AfterCancelBackward RecordingCallback(0)
                      AfterBackward       RecordingCallback(0)
                      BeforeStep          RecordingCallback(0)
                      AfterCancelStep     RecordingCallback(0)
                      AfterStep           RecordingCallback(0)
                    AfterCancelBatch      RecordingCallback(0)
                    AfterBatch            TrainEvalCallback(-10), RecordingCallback(0), LateAfterBatch(70)
                  AfterCancelTrain        RecordingCallback(0)
                  AfterTrain              AvgStatsCallback(-5), RecordingCallback(0)
                  BeforeValidate          TrainEvalCallback(-10), AvgStatsCallback(-5), RecordingCallback(0)
                  AfterCancelValidate     RecordingCallback(0)
                  AfterValidate           AvgStatsCallback(-5), RecordingCallback(0)
                AfterCancelEpoch          RecordingCallback(0)
                AfterEpoch                TrainEvalCallback(-10), AvgStatsCallback(-5), RecordingCallback(0)
              AfterCancelFit              RecordingCallback(0)
              AfterFit                    RecordingCallback(0)

            """;
        Assert.Equal(expected.ReplaceLineEndings(), plan.ReplaceLineEndings());
    }

    [Fact]
    public void The_dispatch_plan_marks_events_without_handlers()
    {
        using var learn = TinyTask.Learner();

        string plan = learn.DescribeCallbacks();

        Assert.Contains("AfterCancelFit              -", plan, StringComparison.Ordinal);
        Assert.StartsWith("Dispatch plan: 3 callbacks", plan, StringComparison.Ordinal);
    }

    private static float[] Flat(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}

internal sealed partial class NestedRun : Callback
{
    [Callback]
    private void BeforeEpoch() => Learn.Validate();
}

internal sealed partial class DeviceProbe : Callback
{
    public List<DeviceType> Seen { get; } = new();

    [Callback]
    private void BeforeBatch() => Seen.Add(Xb.device_type);
}

[Callback(Order = 70)]
internal sealed partial class LateAfterBatch : Callback
{
    [Callback]
    private void AfterBatch()
    {
    }
}
