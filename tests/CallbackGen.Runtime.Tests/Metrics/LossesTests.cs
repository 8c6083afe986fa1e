using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Metrics;

public class LossesTests
{
    [Fact]
    public void Scratch_CrossEntropy_equals_TorchSharps_cross_entropy_within_1e_6_on_random_logits()
    {
        using var gen = new Generator().manual_seed(3);
        for (int trial = 0; trial < 5; trial++)
        {
            using var scope = NewDisposeScope();
            Tensor logits = randn(new long[] { 64, 10 }, generator: gen) * 4;
            Tensor target = randint(0, 10, new long[] { 64 }, generator: gen);

            double ours = Losses.Scratch.CrossEntropy(logits, target).item<float>();
            double theirs = nn.functional.cross_entropy(logits, target).item<float>();

            Assert.Equal(theirs, ours, 1e-6);
        }
    }

    [Fact]
    public void Scratch_CrossEntropy_has_the_same_gradient_as_TorchSharps()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        Tensor a = randn(8, 5).requires_grad_(true);
        Tensor b = a.detach().clone().requires_grad_(true);
        Tensor target = randint(0, 5, new long[] { 8 });

        Losses.Scratch.CrossEntropy(a, target).backward();
        nn.functional.cross_entropy(b, target).backward();

        Assert.True(a.grad!.allclose(b.grad!, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Scratch_CrossEntropy_is_finite_on_logits_of_plus_minus_1e4_where_a_naive_softmax_overflows()
    {
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new float[,] { { 1e4f, -1e4f, 0 }, { -1e4f, 1e4f, 1e4f }, { -1e4f, -1e4f, -1e4f } });
        Tensor target = tensor(new long[] { 0, 2, 1 });

        Tensor naive = (logits.exp() / logits.exp().sum(-1, keepdim: true)).log();
        Assert.False(naive.isfinite().all().item<bool>(), "the naive softmax should overflow here");

        float ours = Losses.Scratch.CrossEntropy(logits, target).item<float>();
        float theirs = nn.functional.cross_entropy(logits, target).item<float>();
        Assert.True(float.IsFinite(ours));
        // Rows: −log 1 = 0, −log ½ = ln 2, −log ⅓ = ln 3 (exact only if the shift keeps the small log term).
        Assert.Equal((Math.Log(2) + Math.Log(3)) / 3, ours, 1e-6);
        Assert.Equal(theirs, ours, 1e-5);
    }

    [Fact]
    public void Scratch_Nll_of_LogSoftmax_equals_CrossEntropy()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        Tensor logits = randn(16, 7) * 10;
        Tensor target = randint(0, 7, new long[] { 16 });

        Assert.Equal(
            Losses.Scratch.CrossEntropy(logits, target).item<float>(),
            Losses.Scratch.Nll(Losses.Scratch.LogSoftmax(logits), target).item<float>());
    }

    [Fact]
    public void Scratch_LogSumExp_matches_torch_logsumexp_and_a_row_of_minus_infinity_gives_minus_infinity()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        Tensor x = randn(4, 9) * 30;
        Assert.True(Losses.Scratch.LogSumExp(x).allclose(x.logsumexp(-1), rtol: 1e-6, atol: 1e-5));

        Tensor minusInf = full(new long[] { 1, 3 }, float.NegativeInfinity);
        Assert.Equal(float.NegativeInfinity, Losses.Scratch.LogSumExp(minusInf).item<float>());
    }

    [Fact]
    public void Scratch_LogSoftmax_matches_TorchSharps_log_softmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        Tensor x = randn(6, 4) * 50;
        Assert.True(Losses.Scratch.LogSoftmax(x).allclose(nn.functional.log_softmax(x, -1), rtol: 1e-6, atol: 1e-4));
    }

    [Fact]
    public void Scratch_Nll_picks_the_target_entries_and_accepts_byte_labels()
    {
        using var scope = NewDisposeScope();
        Tensor logProbs = tensor(new float[,] { { -1, -2, -3 }, { -4, -5, -6 } });

        Assert.Equal(4f, Losses.Scratch.Nll(logProbs, tensor(new long[] { 2, 1 })).item<float>());
        Assert.Equal(3f, Losses.Scratch.Nll(logProbs, tensor(new byte[] { 1, 0 })).item<float>());
    }

    [Fact]
    public void Accuracy_is_the_fraction_of_rows_whose_argmax_is_the_target()
    {
        using var scope = NewDisposeScope();
        Tensor pred = tensor(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f }, { 0.7f, 0.3f }, { 0.4f, 0.6f } });

        Assert.Equal(0.75f, CallbackGen.Metrics.Accuracy(pred, tensor(new long[] { 0, 1, 1, 1 })).item<float>());
        Assert.Equal("accuracy", Metric.Accuracy.Name);
    }

    [Fact]
    public void Scratch_losses_reject_wrong_shapes_are_rejected_with_the_shapes_in_the_message()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => Losses.Scratch.CrossEntropy(zeros(4, 3), zeros(5, ScalarType.Int64)));
        Assert.Contains("[4]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[5]", ex.Message, StringComparison.Ordinal);

        var rank = Assert.Throws<ArgumentException>(() => Losses.Scratch.CrossEntropy(zeros(4), zeros(4, ScalarType.Int64)));
        Assert.Contains("[batch, classes]", rank.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => Losses.Scratch.Nll(zeros(4, 3), zeros(4)));
    }

    [Fact]
    public void The_default_losses_are_TorchSharps_fused_kernels_and_equal_the_scratch_ones_within_1e_6()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        Tensor logits = randn(64, 10) * 4;
        Tensor target = randint(0, 10, new long[] { 64 });

        // Bit-identical to the fused kernel: Losses.CrossEntropy is cross_entropy, not a rebuild of it.
        Assert.Equal(nn.functional.cross_entropy(logits, target).item<float>(), Losses.CrossEntropy(logits, target).item<float>());
        Assert.Equal(Losses.Scratch.CrossEntropy(logits, target).item<float>(), Losses.CrossEntropy(logits, target).item<float>(), 1e-6);
        Assert.True(Losses.LogSoftmax(logits).allclose(Losses.Scratch.LogSoftmax(logits), rtol: 0, atol: 1e-5));
        Assert.True(Losses.LogSumExp(logits).allclose(Losses.Scratch.LogSumExp(logits), rtol: 0, atol: 1e-5));
        Assert.Equal(Losses.Scratch.Nll(Losses.LogSoftmax(logits), target).item<float>(), Losses.Nll(Losses.LogSoftmax(logits), target).item<float>(), 1e-6);
    }

    [Fact]
    public void The_fused_losses_are_finite_at_plus_minus_1e4_and_accept_byte_labels()
    {
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new float[,] { { 1e4f, -1e4f, 0 }, { -1e4f, 1e4f, 1e4f }, { -1e4f, -1e4f, -1e4f } });

        float fused = Losses.CrossEntropy(logits, tensor(new byte[] { 0, 2, 1 })).item<float>();

        Assert.Equal((Math.Log(2) + Math.Log(3)) / 3, fused, 1e-6);
        Assert.Equal(Losses.Scratch.CrossEntropy(logits, tensor(new long[] { 0, 2, 1 })).item<float>(), fused, 1e-6);
        Tensor logProbs = tensor(new float[,] { { -1, -2, -3 }, { -4, -5, -6 } });
        Assert.Equal(3f, Losses.Nll(logProbs, tensor(new byte[] { 1, 0 })).item<float>());
    }
}
