using System.Globalization;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Metrics;

public class LabelSmoothingTests
{
    private static readonly float[] Logits = [2.0f, -1.0f, 0.5f, 3.0f, 0.1f, 0.2f, -0.3f, 1.7f, -2.5f, 0.0f, 4.0f, -1.2f];
    private static readonly long[] Targets = [0, 2, 1, 3, 0, 2];

    [SkippableTheory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void It_equals_PyTorchs_cross_entropy_with_label_smoothing(double eps)
    {
        ReferencePython.SkipUnlessAvailable();
        string reference = ReferencePython.Script("""
            import sys, torch
            x = torch.tensor([float(v) for v in sys.argv[1].split(',')]).view(3, 4)
            y = torch.tensor([int(v) for v in sys.argv[2].split(',')][:3])
            print(repr(torch.nn.functional.cross_entropy(x.double(), y, label_smoothing=float(sys.argv[3])).item()))
            """, string.Join(',', Logits.Select(v => v.ToString("R", CultureInfo.InvariantCulture))), string.Join(',', Targets), eps.ToString("R", CultureInfo.InvariantCulture));

        using Tensor x = tensor(Logits, [3, 4]);
        using Tensor y = tensor(Targets[..3]);
        using Tensor loss = Losses.LabelSmoothingCrossEntropy(eps)(x, y);

        Assert.Equal(double.Parse(reference, CultureInfo.InvariantCulture), loss.item<float>(), 1e-6);
    }

    [Fact]
    public void It_is_fastais_formula_in_closed_form()
    {
        // (1 − ε)·nll + ε·mean over classes of −log p, averaged over the batch.
        const double eps = 0.2;
        using Tensor x = tensor(Logits, [3, 4]);
        using Tensor y = tensor(Targets[..3]);
        using Tensor logp = x.log_softmax(1);
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            double nll = -logp[i, Targets[i]].item<float>();
            double uniform = -logp[i].mean().item<float>();
            expected += ((1 - eps) * nll) + (eps * uniform);
        }

        using Tensor loss = Losses.LabelSmoothingCrossEntropy(eps)(x, y);

        Assert.Equal(expected / 3, loss.item<float>(), 1e-6);
    }

    [Fact]
    public void Eps_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.LabelSmoothingCrossEntropy(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.LabelSmoothingCrossEntropy(-0.1));
    }
}
