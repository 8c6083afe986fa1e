using static TorchSharp.torch;

namespace CallbackGen.Augmentation;

/// <summary>
/// MixUp (Zhang et al. 2018) as fastai v2 does it: for each training batch, λ is drawn from
/// Beta(α, α) and replaced by max(λ, 1 − λ), the inputs become λ·x + (1 − λ)·x[perm] for a random
/// permutation of the batch, and the loss becomes λ·loss(pred, y) + (1 − λ)·loss(pred, y[perm]).
/// Validation and predictions are untouched. As α → 0, λ → 1 and training is plain training.
/// </summary>
/// <remarks>
/// One λ per batch (the form; fastai draws one per sample): the mixed loss is then a
/// mixture of the learner's own loss function, whatever it is, with no unreduced variant needed.
/// The inputs are mixed in <c>BeforeBatch</c> after the batch transforms and the augmentation
/// (<see cref="CallbackOrder.MixUp"/>), and the loss is mixed in <c>AfterLoss</c> (<see cref="CallbackOrder.MixUpLoss"/>), before the averaging
/// (<see cref="AvgStatsCallback"/>, −5) reads it, so the reported training loss is the loss trained on.
/// λ and the permutation come from this callback's own generators (<see cref="Seed"/>), so a
/// seeded run is reproducible and the rest of the run draws the same random numbers as without MixUp.
/// Metrics during training compare with the unmixed targets.
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(3, cbs: new Callback[] { new CallbackGen.Augmentation.MixUp(alpha: 0.4) });
/// </code>
/// </example>
public sealed partial class MixUp : Callback, IDisposable
{
    private readonly Random random;
    private readonly Generator generator;
    // The current batch's mix: drawn anew for every batch.
    [Transient] private Tensor? shuffledTargets;

    /// <summary>Creates the callback.</summary>
    /// <param name="alpha">The Beta distribution's parameter; larger mixes more (fastai's default 0.4).</param>
    /// <param name="seed">Seeds λ and the permutations.</param>
    public MixUp(double alpha = 0.4, long seed = 0)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "MixUp's alpha must be a finite number > 0 (as alpha → 0, MixUp approaches plain training).");
        }

        Alpha = alpha;
        Seed = seed;
        random = new Random(unchecked((int)seed));
        generator = new Generator((ulong)seed);
    }

    /// <summary>The Beta distribution's parameter.</summary>
    public double Alpha { get; }

    /// <summary>The seed of λ and of the permutations.</summary>
    public long Seed { get; }

    /// <summary>The λ of the current (or last) training batch, in [0.5, 1]; 1 before the first.</summary>
    [Transient]
    public double Lambda { get; private set; } = 1;

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

        double lambda = Beta.Sample(random, Alpha);
        Lambda = Math.Max(lambda, 1 - lambda);
        Tensor perm = randperm(Xb.shape[0], generator: generator).to(Xb.device);
        Permutation = perm;
        shuffledTargets = Yb.index_select(0, perm);
        if (Lambda < 1)
        {
            Xb = Xb.lerp(Xb.index_select(0, perm), 1 - Lambda);
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
