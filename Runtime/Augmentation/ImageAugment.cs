using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Augmentation;

/// <summary>
/// Random augmentation of each training batch of images [batch, channels, height, width] on the
/// device, drawn per image: a random crop after zero padding (<see cref="Padding"/>), a horizontal
/// flip (<see cref="FlipProbability"/>) and random erasing of a rectangle (<see cref="EraseProbability"/>,
/// Zhong et al. 2017, filled with 0 — the mean of normalised inputs — as TorchVision's <c>RandomErasing</c>).
/// Runs in <c>BeforeBatch</c> of training batches only (validation and predictions see the images
/// as they are), after the batch transforms (<see cref="CallbackOrder.ImageAugment"/> comes after <see cref="CallbackOrder.BatchTransform"/>), so it
/// sees the shape the model gets.
/// </summary>
/// <remarks>
/// TorchVision's random transforms draw one decision per call from torch's global generator, so a
/// batch is flipped or cropped all alike and a seed elsewhere changes them; this callback draws one
/// decision per image from its own generator (<see cref="Seed"/>), so two runs with one seed see the
/// same augmented batches and the model's initialisation and shuffling draw the same numbers with or
/// without augmentation. The random numbers are drawn on the CPU (a few per image) and moved to the
/// device; the images never leave it.
/// </remarks>
/// <example>
/// <code>
/// var augment = new CallbackGen.Augmentation.ImageAugment(padding: 2, flipProbability: 0.5, eraseProbability: 0.25, seed: 1);
/// learn.Fit(1, cbs: new Callback[] { augment });
/// </code>
/// </example>
[Callback(Order = CallbackOrder.ImageAugment)]
public sealed partial class ImageAugment : Callback, IDisposable
{
    private readonly Generator generator;

    /// <summary>Creates the augmentation.</summary>
    /// <param name="padding">Zero padding on each side before a random crop back to the original size; 0 turns cropping off.</param>
    /// <param name="flipProbability">The probability that an image is flipped left-right.</param>
    /// <param name="eraseProbability">The probability that a random rectangle of an image is erased.</param>
    /// <param name="eraseScale">The erased area's fraction of the image, drawn uniformly from this range.</param>
    /// <param name="eraseRatio">The erased rectangle's aspect ratio (height/width), drawn log-uniformly from this range.</param>
    /// <param name="seed">Seeds this callback's own generator.</param>
    public ImageAugment(int padding = 2, double flipProbability = 0.5, double eraseProbability = 0.25,
        (double Min, double Max)? eraseScale = null, (double Min, double Max)? eraseRatio = null, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        CheckProbability(flipProbability, nameof(flipProbability));
        CheckProbability(eraseProbability, nameof(eraseProbability));
        EraseScale = eraseScale ?? (0.02, 0.33);
        EraseRatio = eraseRatio ?? (0.3, 3.3);
        if (!(EraseScale.Min > 0 && EraseScale.Min <= EraseScale.Max && EraseScale.Max <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(eraseScale), EraseScale, "The erased area's fraction must satisfy 0 < min ≤ max ≤ 1.");
        }

        if (!(EraseRatio.Min > 0 && EraseRatio.Min <= EraseRatio.Max && double.IsFinite(EraseRatio.Max)))
        {
            throw new ArgumentOutOfRangeException(nameof(eraseRatio), EraseRatio, "The erased rectangle's aspect ratio must satisfy 0 < min ≤ max.");
        }

        Padding = padding;
        FlipProbability = flipProbability;
        EraseProbability = eraseProbability;
        Seed = seed;
        generator = new Generator((ulong)seed);
    }

    /// <summary>The zero padding on each side before the random crop.</summary>
    public int Padding { get; }

    /// <summary>The probability that an image is flipped left-right.</summary>
    public double FlipProbability { get; }

    /// <summary>The probability that a rectangle of an image is erased.</summary>
    public double EraseProbability { get; }

    /// <summary>The range of the erased area's fraction of the image.</summary>
    public (double Min, double Max) EraseScale { get; }

    /// <summary>The range of the erased rectangle's aspect ratio.</summary>
    public (double Min, double Max) EraseRatio { get; }

    /// <summary>The seed of this callback's generator.</summary>
    public long Seed { get; }

    /// <summary>Applies the augmentation to a batch of images (any device) with this callback's generator; the result is a new tensor.</summary>
    /// <param name="images">Images [batch, channels, height, width].</param>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
        {
            throw new ArgumentException(
                $"ImageAugment expects images [batch, channels, height, width]; got shape [{string.Join(", ", images.shape)}]. Reshape them first (a BatchTransform runs before it).",
                nameof(images));
        }

        Tensor x = images;
        if (Padding > 0)
        {
            x = RandomCrop(x);
        }

        if (FlipProbability > 0)
        {
            x = RandomFlip(x);
        }

        if (EraseProbability > 0)
        {
            x = RandomErase(x);
        }

        return ReferenceEquals(x, images) ? images.clone() : x;
    }

    /// <inheritdoc/>
    public void Dispose() => generator.Dispose();

    [Callback]
    private void BeforeBatch()
    {
        if (Training)
        {
            Xb = Apply(Xb);
        }
    }

    private Tensor RandomCrop(Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        int p = Padding;
        using var s = new HeldScalars();
        Tensor padded = nn.functional.pad(x, new long[] { p, p, p, p });
        Tensor dy = randint(0, (2 * p) + 1, new long[] { b, 1 }, generator: generator).to(x.device);
        Tensor dx = randint(0, (2 * p) + 1, new long[] { b, 1 }, generator: generator).to(x.device);

        // Per image: rows oy..oy+h and columns ox..ox+w of the padded image, by two gathers.
        Tensor rows = dy.add(arange(s.Of(0L), s.Of(h), s.One, device: x.device), s.One).view(b, 1, h, 1).expand(b, c, h, w + (2 * p));
        Tensor cropped = padded.gather(2, rows);
        Tensor cols = dx.add(arange(s.Of(0L), s.Of(w), s.One, device: x.device), s.One).view(b, 1, 1, w).expand(b, c, h, w);
        return cropped.gather(3, cols);
    }

    private Tensor RandomFlip(Tensor x)
    {
        using Scalar probability = FlipProbability.ToScalar();
        Tensor flip = rand(new long[] { x.shape[0] }, generator: generator).lt(probability).to(x.device).view(-1, 1, 1, 1);
        return where(flip, x.flip(3), x);
    }

    private Tensor RandomErase(Tensor x)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        Tensor u = rand(new long[] { b, 5 }, generator: generator, dtype: ScalarType.Float64);
        // The same operations in the same order as the arithmetic they stand for, each number a held Scalar.
        using var s = new HeldScalars();
        Tensor erase = u[.., 0].lt(s.Of(EraseProbability));
        Tensor area = u[.., 1].mul(s.Of(EraseScale.Max - EraseScale.Min)).add(s.Of(EraseScale.Min), s.One).mul(s.Of(h * w));
        double logMin = Math.Log(EraseRatio.Min), logMax = Math.Log(EraseRatio.Max);
        Tensor ratio = u[.., 2].mul(s.Of(logMax - logMin)).add(s.Of(logMin), s.One).exp();
        Tensor eh = area.mul(ratio).sqrt().round().clamp(s.Of(1L), s.Of(h));
        Tensor ew = area.div(ratio).sqrt().round().clamp(s.Of(1L), s.Of(w));
        Tensor top = eh.negative().add(s.Of(h), s.One).add(s.One, s.One).mul(u[.., 3]).floor();
        Tensor left = ew.negative().add(s.Of(w), s.One).add(s.One, s.One).mul(u[.., 4]).floor();
        Tensor ys = arange(s.Of(0L), s.Of(h), s.One, dtype: ScalarType.Float64).view(1, h, 1);
        Tensor xs = arange(s.Of(0L), s.Of(w), s.One, dtype: ScalarType.Float64).view(1, 1, w);
        Tensor mask = ys.ge(top.view(-1, 1, 1)) & ys.lt(top.add(eh, s.One).view(-1, 1, 1))
            & xs.ge(left.view(-1, 1, 1)) & xs.lt(left.add(ew, s.One).view(-1, 1, 1)) & erase.view(-1, 1, 1);
        return x.masked_fill(mask.unsqueeze(1).to(x.device), s.Of(0L));
    }

    private static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "A probability must be between 0 and 1.");
        }
    }
}
