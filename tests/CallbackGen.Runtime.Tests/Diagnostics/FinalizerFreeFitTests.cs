using CallbackGen.Augmentation;
using CallbackGen.Data;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Diagnostics;

/// <summary>
/// A fit of a CNN like the sample's (BatchNorm, the usual stack) leaves no TorchSharp Scalar to the
/// finalizer: every number the training path hands to libtorch is held until the call returns, so
/// another thread's garbage collection cannot free it mid-call (docs/data.md). Counted with the
/// runtime's FinalizeObject events, after a collection and the pending finalizers.
/// </summary>
[Collection(nameof(FinalizerFreeFitTests))]
public sealed class FinalizerFreeFitTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-finalizer-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<string> SetUps => new()
    {
        "adamw", "sgd-momentum", "adam", "rmsprop", "mixup", "augment", "clip", "accumulate",
    };

    private static nn.Module<Tensor, Tensor> Cnn()
    {
        manual_seed(3);
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10));
    }

    private static DataBunch Images()
    {
        using var g = new Generator().manual_seed(5);
        Tensor x = randn(new long[] { 160, 1, 28, 28 }, generator: g);
        Tensor y = randint(10, new long[] { 160 }, generator: g);
        return new DataBunch(new DataLoader(x[..128], y[..128], 16, shuffle: true, generator: new Generator(1)), new DataLoader(x[128..], y[128..], 16));
    }

    private Learner Build(string setUp, FinalizerCheck check)
    {
        OptimizerFactory opt = setUp switch
        {
            "sgd-momentum" => Optimizer.Sgd(momentum: 0.9, weightDecay: 1e-4),
            "adam" => Optimizer.Adam(weightDecay: 1e-4),
            "rmsprop" => Optimizer.RmsProp(momentum: 0.5),
            _ => Optimizer.AdamW(),
        };
        var cbs = new List<Callback>
        {
            check, new Recorder(), new Progress(TextWriter.Null, live: false), new CsvLogger(Path.Combine(dir, "log.csv")),
            new SaveModel(Path.Combine(dir, "last.ckpt")),
        };
        switch (setUp)
        {
            case "mixup": cbs.Add(new MixUp()); break;
            case "augment": cbs.Add(new ImageAugment()); break;
            case "clip": cbs.Add(new GradientClip(1.0)); break;
            case "accumulate": cbs.Add(new GradientAccumulation(2)); break;
        }

        var learn = new Learner(Cnn(), Images(), Losses.CrossEntropy, opt, lr: 1e-2, cbs: cbs, metrics: new[] { Metric.Accuracy });
        learn.Output = TextWriter.Null;
        return learn;
    }

    [Theory]
    [MemberData(nameof(SetUps))]
    public void A_fit_leaves_no_Scalar_to_the_finalizer(string setUp)
    {
        using var check = new FinalizerCheck();
        using Learner learn = Build(setUp, check);

        learn.FitOneCycle(2, lrMax: 1e-2);

        output.WriteLine(check.Report);
        Assert.Equal(16, check.TrainingBatches);
        Assert.True(check.Scalars == 0, check.Report);
    }

    [Fact]
    public void The_check_sees_and_names_a_wrapped_TorchSharp_optimiser()
    {
        using var check = new FinalizerCheck();
        using var learn = new Learner(Cnn(), Images(), Losses.CrossEntropy, (m, lr) => Optimizer.FromTorchSharp(optim.AdamW(m.parameters(), lr)), cbs: new[] { check });
        learn.Output = TextWriter.Null;

        learn.Fit(1);

        output.WriteLine(check.Report);
        // TorchSharp's AdamW makes Scalars for every parameter on every step.
        Assert.True(check.ScalarsPerBatch >= learn.Model.parameters().Count(), check.Report);
        Assert.Contains("optimiser step", check.Report);
        Assert.Contains("wrapped TorchSharp AdamW", check.Report);
        Assert.Contains(check.Report!, learn.Messages);
    }

    [Fact]
    public void BatchNorm_counters_and_running_statistics_match_TorchSharps_own_forward()
    {
        foreach (double? momentum in new double?[] { 0.1, null })
        {
            var ours = nn.BatchNorm1d(6);
            var theirs = nn.BatchNorm1d(6);
            ours.momentum = theirs.momentum = momentum;
            ours.train();
            theirs.train();
            using var counters = BatchNormCounters.Of(nn.Sequential(ours));
            using var g = new Generator().manual_seed(2);
            for (int batch = 0; batch < 10; batch++)
            {
                using var scope = NewDisposeScope();
                Tensor x = randn(new long[] { 8, 6 }, generator: g) * (batch + 1);
                counters.Enter();
                Tensor a = ours.forward(x);
                counters.Exit();
                Tensor b = theirs.forward(x);
                Assert.True(a.eq(b).all().item<bool>(), $"momentum {momentum?.ToString() ?? "null"}: batch {batch}'s output differs");
            }

            Assert.Equal(momentum, ours.momentum);
            var mine = ours.state_dict();
            var reference = theirs.state_dict();
            Assert.Equal(reference.Keys, mine.Keys);
            foreach (string key in reference.Keys)
            {
                Assert.True(reference[key].eq(mine[key]).all().item<bool>(), $"momentum {momentum?.ToString() ?? "null"}: {key} differs");
            }

            Assert.Equal(10L, mine["num_batches_tracked"].item<long>());
        }
    }

    [Fact]
    public void A_fit_advances_the_counter_once_per_training_batch_and_leaves_it_in_the_state()
    {
        using var learn = new Learner(Cnn(), Images(), Losses.CrossEntropy, Optimizer.AdamW());
        learn.Output = TextWriter.Null;

        learn.Fit(2);

        foreach (var (name, buffer) in learn.Model.named_buffers())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                Assert.Equal(16L, buffer.item<long>());
            }
        }
    }
}

[CollectionDefinition(nameof(FinalizerFreeFitTests), DisableParallelization = true)]
public sealed class FinalizerFreeFitCollection
{
}
