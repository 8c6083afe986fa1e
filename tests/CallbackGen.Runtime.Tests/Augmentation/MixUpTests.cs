using CallbackGen.Augmentation;
using CallbackGen.Runtime.Tests.Support;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Augmentation;

public partial class MixUpTests
{
    [Fact]
    public void As_alpha_goes_to_zero_training_equals_plain_training()
    {
        using var plain = TinyTask.Learner(trainBatches: 4);
        using var mixed = TinyTask.Learner(trainBatches: 4);
        using var mixUp = new MixUp(alpha: 1e-6, seed: 3);

        plain.Fit(2);
        mixed.Fit(2, cbs: new Callback[] { mixUp });

        foreach (var ((name, a), (_, b)) in plain.Model.named_parameters().Zip(mixed.Model.named_parameters()))
        {
            Assert.True(a.allclose(b, rtol: 0, atol: 1e-6), $"'{name}' differs");
        }

        Assert.True(mixUp.Lambda > 0.999999);
    }

    [Fact]
    public void Training_batches_mix_inputs_and_the_loss_over_both_targets_with_one_lambda()
    {
        var probe = new MixProbe();
        using var mixUp = new MixUp(alpha: 1.0, seed: 7);
        using var learn = TinyTask.Learner(trainBatches: 4, cbs: new Callback[] { mixUp, probe });

        learn.Fit(1);

        Assert.Equal(4, probe.Train.Count);
        Assert.Contains(probe.Train, b => b.Lambda < 0.99);
        foreach (var b in probe.Train)
        {
            Assert.InRange(b.Lambda, 0.5, 1.0);

            // The mixed input is λ·x + (1−λ)·x[perm] for the permutation whose targets MixUp mixed the loss with.
            using Tensor expectedX = b.RawX.lerp(b.RawX.index_select(0, b.Perm), 1 - b.Lambda);
            Assert.True(b.Xb.allclose(expectedX, rtol: 0, atol: 1e-6));
            using Tensor l1 = Losses.CrossEntropy(b.Pred, b.Y), l2 = Losses.CrossEntropy(b.Pred, b.Y.index_select(0, b.Perm));
            double expected = (b.Lambda * l1.item<float>()) + ((1 - b.Lambda) * l2.item<float>());
            Assert.Equal(expected, b.Loss, 5);
        }
    }

    [Fact]
    public void Validation_is_untouched()
    {
        using var plain = TinyTask.Learner(validBatches: 2);
        using var mixed = TinyTask.Learner(validBatches: 2, cbs: new Callback[] { new MixUp(alpha: 1.0) });

        PhaseStats a = plain.Validate(), b = mixed.Validate();

        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a["accuracy"], b["accuracy"]);
    }

    [Fact]
    public void Alpha_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(alpha: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(alpha: double.NaN));
    }

    /// <summary>Captures, per training batch, the raw and mixed inputs, the targets, the prediction, the loss and MixUp's λ and permutation.</summary>
    [Transient] // a test probe: observes one run, nothing to resume
    private sealed partial class MixProbe : Callback
    {
        private Tensor? rawX;

        public List<(Tensor RawX, Tensor Xb, Tensor Y, Tensor Pred, double Loss, double Lambda, Tensor Perm)> Train { get; } = new();

        [Callback(Order = -9)]
        private void BeforeBatch() => rawX = Training ? Xb.detach().clone().DetachFromDisposeScope() : null;

        [Callback(Order = 10)]
        private void AfterLoss()
        {
            if (!Training)
            {
                return;
            }

            MixUp mix = Learn.Get<MixUp>()!;
            Train.Add((rawX!, Xb.detach().clone().DetachFromDisposeScope(), Yb.clone().DetachFromDisposeScope(),
                Pred.detach().clone().DetachFromDisposeScope(), Loss.item<float>(), mix.Lambda, mix.Permutation!.clone().DetachFromDisposeScope()));
        }
    }
}
