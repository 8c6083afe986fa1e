using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class SmallCallbacksTests
{
    private sealed partial class GradNorms : Callback
    {
        public List<double> Before { get; } = new();

        public List<double> After { get; } = new();

        [Callback(Order = -1)] private void BeforeStep() => Before.Add(Norm());

        [Callback] private void AfterStep() => After.Add(Norm());

        private double Norm()
        {
            using DisposeScope scope = NewDisposeScope();
            return stack(Model.parameters().Select(p => p.grad!.norm()).ToArray()).norm().item<float>();
        }
    }

    [Fact]
    public void GradientClip_caps_the_total_gradient_norm_before_each_step()
    {
        using var task = new TinyTask();
        var norms = new GradNorms();
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new GradientClip(0.05), norms });

        learn.Fit(1);

        Assert.Contains(norms.Before, n => n > 0.1);
        Assert.All(norms.After, n => Assert.True(n <= 0.05 + 1e-6, $"norm {n}"));
    }

    private sealed partial class ShapeProbe : Callback
    {
        public List<long[]> X { get; } = new();

        public List<float> YMax { get; } = new();

        [Callback]
        private void BeforeBatch()
        {
            X.Add(Xb.shape);
            YMax.Add(Yb.abs().max().item<float>());
        }
    }

    [Fact]
    public void BatchTransform_changes_the_batch_before_other_callbacks_and_the_model_see_it()
    {
        using var task = new TinyTask(samples: 32, batchSize: 16, shuffle: false);
        var probe = new ShapeProbe();
        Learner learn = task.Learner(modelSeed: 1, dropout: false);
        var flat = nn.Sequential(("unflatten", nn.Flatten()), ("inner", learn.Model));
        var reshaped = new Learner(flat, learn.Data, learn.LossFunc, cbs: new Callback[] { probe, new BatchTransform(x => x.view(-1, 1, 2, 2), y => y * 0) });

        reshaped.Fit(1);

        Assert.All(probe.X, s => Assert.Equal(new long[] { 1, 2, 2 }, s[1..]));
        Assert.All(probe.YMax, y => Assert.Equal(0, y));
        Assert.Throws<ArgumentException>(() => new BatchTransform(null));
    }

    [Fact]
    public void ActivationStats_records_each_layers_mean_std_and_dead_fraction_per_training_batch()
    {
        using var task = new TinyTask(samples: 80, batchSize: 16, shuffle: false);
        using var stats = new ActivationStats();
        Learner learn = task.Learner(modelSeed: 1, dropout: false);
        using Tensor firstBatch = learn.Data.Train.First().X;
        using Tensor expected = ((nn.Module<Tensor, Tensor>)learn.Model.named_children().First().module).forward(firstBatch);

        learn.Fit(1, lr: 0, cbs: new[] { stats });

        Assert.Equal(new[] { "lin1", "relu", "lin2" }, stats.Layers);
        Assert.All(stats.Mean, perBatch => Assert.Equal(5, perBatch.Length));
        Assert.Equal(expected.mean().item<float>(), stats.Mean[0][0], 5);
        Assert.Equal(expected.std().item<float>(), stats.Std[0][0], 5);
        Assert.InRange(stats.NearZeroFraction[1][0], 0.2, 0.9); // ReLU zeroes about half
        Assert.True(stats.NearZeroFraction[0][0] < 0.1);
    }

    [Fact]
    public void ActivationStats_removes_its_hooks_when_a_fit_fails_and_keeps_what_it_recorded()
    {
        using var task = new TinyTask(samples: 80, batchSize: 16, shuffle: false);
        using var stats = new ActivationStats();
        Learner learn = task.Learner(modelSeed: 1, dropout: false);

        Assert.Throws<SimulatedCrashException>(() => learn.Fit(1, cbs: new Callback[] { stats, new ThrowAt(0, 2) }));
        learn.Fit(1); // without the callback: a hook left behind would record these batches too

        Assert.All(stats.Mean, perBatch => Assert.Equal(2, perBatch.Length));
    }

    [Fact]
    public void ActivationStats_plots_its_numbers_as_a_png()
    {
        using var task = new TinyTask();
        using var stats = new ActivationStats();
        string png = Path.Combine(Path.GetTempPath(), $"cbg-act-{Guid.NewGuid():N}.png");
        Assert.Throws<InvalidOperationException>(() => stats.Plot(png));
        task.Learner(modelSeed: 1).Fit(1, cbs: new[] { stats });

        try
        {
            stats.Plot(png);
            byte[] bytes = File.ReadAllBytes(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }
}
