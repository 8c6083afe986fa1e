using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Augmentation;

/// <summary>
/// What <see cref="MixUp"/> and <see cref="CutMix"/> share: in each training batch, a λ and a random
/// permutation of the batch drawn from the callback's own seeded generators, inputs mixed with their
/// permuted copies (each subclass its own way), and the loss λ·loss(pred, y) + (1 − λ)·loss(pred, y[perm])
/// of the learner's own loss function. Validation and predictions are untouched.
/// </summary>
/// <remarks>
/// The inputs are mixed in <c>BeforeBatch</c> after the batch transforms and the augmentation
/// (<see cref="CallbackOrder.MixUp"/>), the loss in <c>AfterLoss</c> (<see cref="CallbackOrder.MixUpLoss"/>)
/// before <see cref="AvgStatsCallback"/> reads it, so the reported training loss is the loss trained on.
/// Use one mixer at a time.
/// </remarks>
public abstract partial class BatchMixer : Callback, IDisposable
{
    private readonly Generator generator;

    // The current batch's mix: drawn anew for every batch.
    [Transient] private Tensor? shuffledTargets;

    private protected BatchMixer(double alpha, long seed, string alphaError)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, alphaError);
        }

        Alpha = alpha;
        Seed = seed;
        Random = new Random(unchecked((int)seed));
        generator = new Generator((ulong)seed);
    }

    /// <summary>The Beta distribution's parameter.</summary>
    public double Alpha { get; }

    /// <summary>The seed of λ, of what else the mixer draws, and of the permutations.</summary>
    public long Seed { get; }

    /// <summary>The weight of each sample's own image and target in the current (or last) training batch; 1 before the first.</summary>
    [Transient]
    public double Lambda { get; private protected set; } = 1;

    /// <summary>Tests: the permutation of the current training batch (null outside one).</summary>
    [Transient]
    internal Tensor? Permutation { get; private set; }

    /// <summary>λ and the subclass's other draws.</summary>
    private protected Random Random { get; }

    /// <inheritdoc/>
    public void Dispose() => generator.Dispose();

    /// <summary>Draws this batch's mix from <see cref="Random"/> and sets <see cref="Lambda"/>; checks the batch's shape.</summary>
    private protected abstract void Draw(Tensor xb);

    /// <summary>The inputs mixed with their permuted copies (called only when <see cref="Lambda"/> &lt; 1).</summary>
    private protected abstract Tensor Mix(Tensor xb, Tensor permuted);

    [Callback(Order = CallbackOrder.MixUp)]
    private void BeforeBatch()
    {
        shuffledTargets = null;
        Permutation = null;
        if (!Training)
        {
            return;
        }

        Draw(Xb);
        Tensor perm = randperm(Xb.shape[0], generator: generator).to(Xb.device);
        Permutation = perm;
        shuffledTargets = Yb.index_select(0, perm);
        if (Lambda < 1)
        {
            Xb = Mix(Xb, Xb.index_select(0, perm));
        }
    }

    [Callback(Order = CallbackOrder.MixUpLoss)]
    private void AfterLoss()
    {
        if (!Training || shuffledTargets is null || Lambda >= 1)
        {
            return;
        }

        using var s = new HeldScalars();
        Loss = Loss.mul(s.Of(Lambda)).add_(Learn.LossFunc(Pred, shuffledTargets).mul(s.Of(1 - Lambda)), s.One);
    }

    [Callback]
    private void AfterBatch()
    {
        shuffledTargets = null;
        Permutation = null;
    }
}
