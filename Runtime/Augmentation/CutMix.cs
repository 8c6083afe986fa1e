using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Augmentation;

/// <summary>
/// CutMix (Yun et al. 2019) as fastai does it: for each training batch, λ is drawn from Beta(α, α), a
/// box covering about 1 − λ of the image, centred at a random pixel and clipped to the image, is pasted
/// into every image from another image of the batch (a random permutation), λ becomes the fraction of
/// the image left untouched, and the loss becomes λ·loss(pred, y) + (1 − λ)·loss(pred, y[perm]).
/// Validation and predictions are untouched.
/// </summary>
/// <remarks>
/// Images are [N, C, H, W]. Like <see cref="MixUp"/> (both are <see cref="BatchMixer"/>s), it mixes the
/// learner's own loss function, draws from its own seeded generators and leaves the rest of the run's
/// random numbers as they would be without it. Use one of the two at a time.
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(3, cbs: [new CallbackGen.Augmentation.CutMix(alpha: 1.0)]);
/// </code>
/// </example>
public sealed partial class CutMix : BatchMixer
{
    /// <summary>Creates the callback.</summary>
    /// <param name="alpha">The Beta distribution's parameter (fastai's default 1).</param>
    /// <param name="seed">Seeds λ, the boxes and the permutations.</param>
    public CutMix(double alpha = 1.0, long seed = 0)
        : base(alpha, seed, "CutMix's alpha must be a finite number > 0.")
    {
    }

    /// <summary>The pasted box of the current (or last) training batch: top, left, height, width.</summary>
    [Transient]
    public (long Top, long Left, long Height, long Width) Box { get; private set; }

    private protected override void Draw(Tensor xb)
    {
        if (xb.Dimensions != 4)
        {
            throw new InvalidOperationException($"CutMix pastes boxes into images [N, C, H, W]; the batch's shape is [{string.Join(", ", xb.shape)}].");
        }

        long h = xb.shape[2], w = xb.shape[3];
        double lambda = Beta.Sample(Random, Alpha);

        // fastai's rand_bbox: a box of sides √(1 − λ)·(H, W) centred at a random pixel, clipped to the image.
        double cut = Math.Sqrt(1 - lambda);
        long cutH = (long)(h * cut), cutW = (long)(w * cut);
        long cy = Random.NextInt64(h), cx = Random.NextInt64(w);
        long top = Math.Clamp(cy - (cutH / 2), 0, h), bottom = Math.Clamp(cy + (cutH / 2), 0, h);
        long left = Math.Clamp(cx - (cutW / 2), 0, w), right = Math.Clamp(cx + (cutW / 2), 0, w);
        Box = (top, left, bottom - top, right - left);
        Lambda = 1 - ((double)(bottom - top) * (right - left) / (h * w));
    }

    private protected override Tensor Mix(Tensor xb, Tensor permuted)
    {
        (long top, long left, long height, long width) = Box;
        Tensor mixed = xb.clone();
        mixed.narrow(2, top, height).narrow(3, left, width).copy_(permuted.narrow(2, top, height).narrow(3, left, width));
        return mixed;
    }
}
