using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

public partial class LrFindTests
{
    [Transient] // a test probe: counts one run
    private sealed partial class PhaseCounter : Callback
    {
        public int TrainBatches { get; private set; }

        public int ValidBatches { get; private set; }

        [Callback]
        private void AfterLoss()
        {
            if (Training)
            {
                TrainBatches++;
            }
            else
            {
                ValidBatches++;
            }
        }
    }

    private static byte[] WeightBytes(nn.Module model)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        foreach (var (name, t) in model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            using Tensor cpu = t.detach().cpu().contiguous();
            writer.Write(cpu.bytes.ToArray());
        }

        return stream.ToArray();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void The_finder_leaves_weights_and_optimiser_state_bit_identical(string kind)
    {
        using var mlp = new SeedMlp();
        OptimizerFactory factory = kind == "sgd" ? Optimizer.Sgd(momentum: 0.9, groups: mlp.BodyHead) : Optimizer.AdamW(groups: mlp.BodyHead);
        var learn = mlp.Learner(factory, 0.05);
        learn.Fit(1);   // momentum buffers / Adam moments exist and are not zero
        learn.Opt.Set(Hyper.Lr, 0.01, group: 0);
        byte[] weights = WeightBytes(mlp.Model);
        byte[] state = TinyTask.OptimizerBytes(learn.Opt);
        Optimizer before = learn.Opt;

        LrFindResult result = learn.LrFind(numIt: 30);

        Assert.Equal(weights, WeightBytes(mlp.Model));
        Assert.Equal(state, TinyTask.OptimizerBytes(learn.Opt));
        Assert.Same(before, learn.Opt);
        Assert.Equal(0.01, learn.Opt.Get(Hyper.Lr, 0));
        Assert.NotEmpty(result.Lrs);
    }

    [Fact]
    public void The_finder_restores_also_when_a_callback_throws_and_leaves_no_optimiser_if_there_was_none()
    {
        using var mlp = new SeedMlp(samples: 200);
        var learn = mlp.Learner(Optimizer.Sgd(momentum: 0.9));
        byte[] weights = WeightBytes(mlp.Model);

        learn.LrFind(numIt: 10);
        byte[] afterFirst = WeightBytes(mlp.Model);
        var ex = Assert.Throws<InvalidOperationException>(() => learn.Opt);
        learn.CreateOptimizer();
        Assert.Throws<ArgumentOutOfRangeException>(() => learn.LrFind(startLr: 1, endLr: 0.5));

        Assert.Equal(weights, afterFirst);
        Assert.Contains("does not exist yet", ex.Message);
    }

    [Fact]
    public void The_finder_runs_num_it_training_batches_grows_the_rate_exponentially_and_skips_validation()
    {
        using var mlp = new SeedMlp(samples: 200, batchSize: 16);   // 10 training batches per epoch
        var counter = new PhaseCounter();
        var learn = mlp.Learner(Optimizer.Sgd(), 0.1, counter);

        LrFindResult r = learn.LrFind(startLr: 1e-5, endLr: 1e-1, numIt: 25, stopDiv: false);

        Assert.Equal(25, r.Lrs.Count);
        Assert.Equal(25, counter.TrainBatches);
        Assert.Equal(0, counter.ValidBatches);
        Assert.Equal(1e-5, r.Lrs[0], 1e-18);
        Assert.Equal(1e-1, r.Lrs[^1], 1e-15);
        double ratio = r.Lrs[1] / r.Lrs[0];
        for (int i = 1; i < r.Lrs.Count; i++)
        {
            Assert.Equal(ratio, r.Lrs[i] / r.Lrs[i - 1], 1e-9);
        }

        Assert.False(r.Diverged);
    }

    [Fact]
    public void The_finder_stops_when_the_smoothed_loss_exceeds_four_times_its_best()
    {
        // Least squares diverges for sure once lr passes 2 / (largest curvature).
        manual_seed(3);
        using var x = randn(256, 4);
        using var y = x.sum(1, keepdim: true);
        var data = new CallbackGen.Data.DataBunch(new CallbackGen.Data.DataLoader(x, y, 16), new CallbackGen.Data.DataLoader(x, y, 64));
        using var model = nn.Linear(4, 1);
        var learn = new Learner(model, data, (p, t) => nn.functional.mse_loss(p, t), Optimizer.Sgd());

        LrFindResult r = learn.LrFind(startLr: 1e-4, endLr: 1e3, numIt: 200);

        Assert.True(r.Diverged);
        Assert.InRange(r.Lrs.Count, 10, 199);
        double bestBefore = r.Losses.Take(r.Losses.Count - 1).Min();
        Assert.True(r.Losses[^1] > 4 * bestBefore || double.IsNaN(r.Losses[^1]));
        double best = double.PositiveInfinity;
        foreach (double l in r.Losses.Take(r.Losses.Count - 1))
        {
            best = Math.Min(best, l);
            Assert.True(l <= 4 * best, "it stopped at the first divergence, not later");
        }
    }

    [Fact]
    public void Suggestions_are_read_off_the_curve_without_its_ends()
    {
        // A loss that falls fastest at lr 10^-2.5 and is lowest at lr 10^-1.
        double[] lrs = Enumerable.Range(0, 50).Select(i => Math.Pow(10, -5 + (i * 0.1))).ToArray();
        double[] losses = lrs.Select(lr => 2 - Math.Tanh(3 * (Math.Log10(lr) + 2.5)) + (Math.Log10(lr) > -1 ? 3 * (Math.Log10(lr) + 1) : 0)).ToArray();
        losses[0] = -100;                  // noise at the start is ignored
        losses[^1] = -100;                 // and so is the end

        LrFindResult r = CallbackGen.LrFindResult.From(lrs, losses, losses, diverged: false);

        Assert.Equal(-2.5, Math.Log10(r.SteepestLr), 0.11);
        Assert.Equal(-2.0, Math.Log10(r.MinimumLr), 0.11);
    }
}
