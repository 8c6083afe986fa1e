using CallbackGen.Augmentation;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Augmentation;

public partial class CutMixTests
{
    [Fact]
    public void Training_batches_get_a_box_from_another_image_and_the_loss_mixes_both_targets_by_its_area()
    {
        var probe = new CutProbe();
        using var cutMix = new CutMix(alpha: 1.0, seed: 5);
        using Learner learn = ImageLearner([cutMix, probe]);

        learn.Fit(2);

        Assert.Equal(8, probe.Train.Count);
        Assert.Contains(probe.Train, b => b.Lambda < 0.95);
        foreach (var b in probe.Train)
        {
            var (top, left, height, width) = b.Box;
            Assert.Equal(1 - ((double)height * width / (12 * 12)), b.Lambda, 12);

            // Inside the box: the permuted batch's pixels; outside: the batch's own.
            using Tensor expected = b.RawX.clone();
            using Tensor shuffled = b.RawX.index_select(0, b.Perm);
            expected.narrow(2, top, height).narrow(3, left, width).copy_(shuffled.narrow(2, top, height).narrow(3, left, width));
            Assert.True(b.Xb.equal(expected).all().item<bool>());

            using Tensor l1 = Losses.CrossEntropy(b.Pred, b.Y), l2 = Losses.CrossEntropy(b.Pred, b.Y.index_select(0, b.Perm));
            double mixed = (b.Lambda * l1.item<float>()) + ((1 - b.Lambda) * l2.item<float>());
            Assert.Equal(mixed, b.Loss, 5);
            Assert.True(double.IsFinite(b.Loss));
        }
    }

    [Fact]
    public void Validation_is_untouched()
    {
        using Learner plain = ImageLearner([]);
        using var cutMix = new CutMix(alpha: 1.0);
        using Learner cut = ImageLearner([cutMix]);

        PhaseStats a = plain.Validate(), b = cut.Validate();

        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(1.0, cutMix.Lambda);
    }

    [Fact]
    public void Inputs_that_are_not_images_are_a_clear_error()
    {
        using var cutMix = new CutMix();
        using Learner learn = TinyTask.Learner(cbs: [cutMix]);

        var error = Assert.ThrowsAny<Exception>(() => learn.Fit(1));

        Assert.Contains("CutMix pastes boxes into images [N, C, H, W]", error.ToString());
    }

    // 16 RGB images of 12×12 in 4 training batches, 8 in validation; a linear model on the flattened pixels.
    private static Learner ImageLearner(Callback[] cbs)
    {
        using var gen = new Generator().manual_seed(3);
        Tensor x = rand([24, 3, 12, 12], generator: gen);
        Tensor y = randint(0, 3, [24], generator: gen);
        var data = new DataBunch(new DataLoader(x[..16], y[..16], 4), new DataLoader(x[16..], y[16..], 8));
        var model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 12 * 12, 3));
        using (no_grad())
        {
            foreach (var p in model.parameters())
            {
                using Tensor init = rand(p.shape, generator: gen) - 0.5;
                p.copy_(init);
            }
        }

        return new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1, cbs: cbs);
    }

    [Transient] // a test probe: observes one run
    private sealed partial class CutProbe : Callback
    {
        private Tensor? rawX;

        public List<(Tensor RawX, Tensor Xb, Tensor Y, Tensor Pred, double Loss, double Lambda, (long, long, long, long) Box, Tensor Perm)> Train { get; } = new();

        [Callback(Order = -9)]
        private void BeforeBatch() => rawX = Training ? Xb.detach().clone().DetachFromDisposeScope() : null;

        [Callback(Order = 10)]
        private void AfterLoss()
        {
            if (!Training)
            {
                return;
            }

            CutMix cut = Learn.Get<CutMix>()!;
            Train.Add((rawX!, Xb.detach().clone().DetachFromDisposeScope(), Yb.clone().DetachFromDisposeScope(),
                Pred.detach().clone().DetachFromDisposeScope(), Loss.item<float>(), cut.Lambda, cut.Box, cut.Permutation!.clone().DetachFromDisposeScope()));
        }
    }
}
