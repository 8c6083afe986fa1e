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
/// Images are [N, C, H, W]. Like <see cref="MixUp"/>, whose places in the loop it takes
/// (<see cref="CallbackOrder.MixUp"/> for the inputs, <see cref="CallbackOrder.MixUpLoss"/> for the loss),
/// it mixes the learner's own loss function, draws from its own seeded generators and leaves the rest of
/// the run's random numbers as they would be without it. Use one of the two at a time.
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(3, cbs: [new CallbackGen.Augmentation.CutMix(alpha: 1.0)]);
/// </code>
/// </example>
public sealed partial class CutMix : Callback, IDisposable
{
    private readonly Random random;
    private readonly Generator generator;
    [Transient] private Tensor? shuffledTargets;

    /// <summary>Creates the callback.</summary>
    /// <param name="alpha">The Beta distribution's parameter (fastai's default 1).</param>
    /// <param name="seed">Seeds λ, the boxes and the permutations.</param>
    public CutMix(double alpha = 1.0, long seed = 0)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "CutMix's alpha must be a finite number > 0.");
        }

        Alpha = alpha;
        Seed = seed;
        random = new Random(unchecked((int)seed));
        generator = new Generator((ulong)seed);
    }

    /// <summary>The Beta distribution's parameter.</summary>
    public double Alpha { get; }

    /// <summary>The seed of λ, the boxes and the permutations.</summary>
    public long Seed { get; }

    /// <summary>The fraction of each image left untouched in the current (or last) training batch; 1 before the first.</summary>
    [Transient]
    public double Lambda { get; private set; } = 1;

    /// <summary>The pasted box of the current (or last) training batch: top, left, height, width.</summary>
    [Transient]
    public (long Top, long Left, long Height, long Width) Box { get; private set; }

    /// <summary>Tests: the permutation of the current training batch (null outside one).</summary>
    [Transient]
    internal Tensor? Permutation { get; private set; }

    /// <inheritdoc/>
    public void Dispose() => generator.Dispose();

    [Callback(Order = CallbackOrder.MixUp)]
    private void BeforeBatch()
    {
        shuffledTargets = null;
        Permutation = null;
        if (!Training)
        {
            return;
        }

        if (Xb.Dimensions != 4)
        {
            throw new InvalidOperationException($"CutMix pastes boxes into images [N, C, H, W]; the batch's shape is [{string.Join(", ", Xb.shape)}].");
        }

        long h = Xb.shape[2], w = Xb.shape[3];
        double lambda = Beta.Sample(random, Alpha);

        // fastai's rand_bbox: a box of sides √(1 − λ)·(H, W) centred at a random pixel, clipped to the image.
        double cut = Math.Sqrt(1 - lambda);
        long cutH = (long)(h * cut), cutW = (long)(w * cut);
        long cy = random.NextInt64(h), cx = random.NextInt64(w);
        long top = Math.Clamp(cy - (cutH / 2), 0, h), bottom = Math.Clamp(cy + (cutH / 2), 0, h);
        long left = Math.Clamp(cx - (cutW / 2), 0, w), right = Math.Clamp(cx + (cutW / 2), 0, w);
        Box = (top, left, bottom - top, right - left);
        Lambda = 1 - ((double)(bottom - top) * (right - left) / (h * w));

        Tensor perm = randperm(Xb.shape[0], generator: generator).to(Xb.device);
        Permutation = perm;
        shuffledTargets = Yb.index_select(0, perm);
        if (Lambda < 1)
        {
            Tensor mixed = Xb.clone();
            Tensor source = Xb.index_select(0, perm).narrow(2, top, bottom - top).narrow(3, left, right - left);
            mixed.narrow(2, top, bottom - top).narrow(3, left, right - left).copy_(source);
            Xb = mixed;
        }
    }

    [Callback(Order = CallbackOrder.MixUpLoss)]
    private void AfterLoss()
    {
        if (!Training || shuffledTargets is null || Lambda >= 1)
        {
            return;
        }

        // λ·loss(y) + (1 − λ)·loss(y[perm]) = other + λ·(loss − other); the Scalar is held through the call.
        using Scalar lambda = Lambda.ToScalar();
        Tensor other = Learn.LossFunc(Pred, shuffledTargets);
        Loss = other.add(Loss - other, lambda);
    }

    [Callback]
    private void AfterBatch()
    {
        shuffledTargets = null;
        Permutation = null;
    }
}
