using CallbackGen.Data;
using CallbackGen.Runtime.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

public partial class FineTuneTests
{
    /// <summary>Body (linear + optional batch norm) and head, split into two parameter groups.</summary>
    private static (Learner Learn, nn.Module Body, nn.Module Head) BodyHead(bool batchNorm = false, OptimizerFactory? opt = null)
    {
        var lin = nn.Linear(3, 4);
        var body = batchNorm
            ? nn.Sequential(("lin", lin), ("bn", nn.BatchNorm1d(4)), ("relu", nn.ReLU()))
            : nn.Sequential(("lin", lin), ("relu", nn.ReLU()));
        var head = nn.Linear(4, 2);
        var model = nn.Sequential(("body", body), ("head", head));
        using (var gen = new Generator().manual_seed(11))
        using (no_grad())
        {
            foreach (var p in model.parameters())
            {
                using Tensor init = rand(p.shape, generator: gen) - 0.5;
                p.copy_(init);
            }
        }

        ParameterSplitter split = _ => new[] { body.parameters(), head.parameters() };
        var learn = new Learner(model, TinyTask.Data(trainBatches: 3), Losses.CrossEntropy, opt ?? Optimizer.AdamW(groups: split), lr: 0.05);
        return (learn, body, head);
    }

    private static Dictionary<string, byte[]> Bytes(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().contiguous().bytes.ToArray());

    private static bool Same(Dictionary<string, byte[]> a, Dictionary<string, byte[]> b, string name) => a[name].AsSpan().SequenceEqual(b[name]);

    [Fact]
    public void Freeze_leaves_every_group_but_the_last_bit_identical_after_training_with_adamw()
    {
        var (learn, body, head) = BodyHead();
        using var _ = learn;

        // Train first, so the body holds gradients' history (Adam's moments) and weight decay applies.
        learn.Fit(1);
        learn.Freeze();
        Dictionary<string, byte[]> body0 = Bytes(body), head0 = Bytes(head);

        learn.Fit(1);

        Assert.Equal(1, learn.FrozenGroups);
        Dictionary<string, byte[]> body1 = Bytes(body), head1 = Bytes(head);
        Assert.All(body0.Keys, k => Assert.True(Same(body0, body1, k), $"frozen '{k}' changed"));
        Assert.Contains(head0.Keys, k => !Same(head0, head1, k));
        Assert.All(body.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Unfreeze_trains_every_group_again()
    {
        var (learn, body, _) = BodyHead();
        using var _ = learn;
        learn.Freeze();
        learn.Unfreeze();
        Dictionary<string, byte[]> before = Bytes(body);

        learn.Fit(1);

        Assert.Equal(0, learn.FrozenGroups);
        Assert.Contains(before.Keys, k => !Same(before, Bytes(body), k));
    }

    [Fact]
    public void Batch_norm_layers_of_a_frozen_group_keep_training_unless_asked_not_to()
    {
        var (learn, body, _) = BodyHead(batchNorm: true);
        using var _ = learn;
        learn.Freeze();
        Dictionary<string, byte[]> before = Bytes(body);

        learn.Fit(1);

        Dictionary<string, byte[]> after = Bytes(body);
        Assert.True(Same(before, after, "lin.weight") && Same(before, after, "lin.bias"));
        Assert.False(Same(before, after, "bn.weight"));

        learn.Freeze(trainBatchNorm: false);
        before = Bytes(body);
        learn.Fit(1);
        Assert.All(before.Keys, k => Assert.True(Same(before, Bytes(body), k), $"'{k}' changed"));
    }

    [Fact]
    public void With_one_parameter_group_freeze_freezes_nothing_as_in_fastai()
    {
        using var learn = TinyTask.Learner();
        learn.Freeze();
        Assert.Equal(0, learn.FrozenGroups);
        Assert.All(learn.Model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void FineTune_trains_the_head_alone_then_everything_with_discriminative_rates()
    {
        var (learn, body, head) = BodyHead();
        using var _ = learn;
        Dictionary<string, byte[]> body0 = Bytes(body), head0 = Bytes(head);
        var probe = new FitProbe(() => (Bytes(body), Bytes(head)));

        learn.FineTune(1, baseLr: 1e-2, freezeEpochs: 1, cbs: new[] { probe });

        Assert.Equal(2, probe.Fits.Count);
        var (bodyFrozen, headFrozen, lrsFrozen) = probe.Fits[0];
        Assert.All(body0.Keys, k => Assert.True(Same(body0, bodyFrozen, k), $"'{k}' moved while frozen"));
        Assert.Contains(head0.Keys, k => !Same(head0, headFrozen, k));

        var (bodyAfter, _, lrsAfter) = probe.Fits[1];
        Assert.Contains(body0.Keys, k => !Same(bodyFrozen, bodyAfter, k));

        // Frozen cycle: fastai's slice(baseLr) — the body at a tenth of the head's rate.
        Assert.Equal(0.1, lrsFrozen[0] / lrsFrozen[1], 6);

        // Unfrozen cycle: even multiples from baseLr/2/100 to baseLr/2 — the body at a hundredth.
        Assert.Equal(0.01, lrsAfter[0] / lrsAfter[1], 6);
        Assert.All(learn.Model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void EvenMultiples_spaces_rates_geometrically_like_fastai()
    {
        Assert.Equal(new[] { 1e-4, 1e-3, 1e-2 }, Learner.EvenMultiples(1e-4, 1e-2, 3).Select(v => Math.Round(v, 12)));
        Assert.Equal(new[] { 5e-3 }, Learner.EvenMultiples(5e-5, 5e-3, 1));
    }

    /// <summary>Records, at the end of each fit, the body's and head's weights and each group's learning rate at the cycle's peak.</summary>
    [Transient] // a test probe: observes one run, nothing to resume
    private sealed partial class FitProbe(Func<(Dictionary<string, byte[]>, Dictionary<string, byte[]>)> snapshot) : Callback
    {
        private double[] peak = Array.Empty<double>();

        public List<(Dictionary<string, byte[]> Body, Dictionary<string, byte[]> Head, double[] Lrs)> Fits { get; } = new();

        [Callback(Order = 70)]
        private void BeforeBatch()
        {
            double[] lrs = Enumerable.Range(0, Opt.GroupCount).Select(g => Opt.Get(Hyper.Lr, g)).ToArray();
            if (peak.Length == 0 || lrs[^1] > peak[^1])
            {
                peak = lrs;
            }
        }

        [Callback]
        private void AfterFit()
        {
            var (body, head) = snapshot();
            Fits.Add((body, head, peak));
            peak = Array.Empty<double>();
        }
    }
}
