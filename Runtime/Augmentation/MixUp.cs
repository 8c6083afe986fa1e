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
/// Where in the loop it mixes is <see cref="BatchMixer"/>'s. λ and the permutation come from this callback's own generators (<see cref="BatchMixer.Seed"/>), so a
/// seeded run is reproducible and the rest of the run draws the same random numbers as without MixUp.
/// Metrics during training compare with the unmixed targets.
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(3, cbs: new Callback[] { new CallbackGen.Augmentation.MixUp(alpha: 0.4) });
/// </code>
/// </example>
public sealed partial class MixUp : BatchMixer
{
    /// <summary>Creates the callback.</summary>
    /// <param name="alpha">The Beta distribution's parameter; larger mixes more (fastai's default 0.4).</param>
    /// <param name="seed">Seeds λ and the permutations.</param>
    public MixUp(double alpha = 0.4, long seed = 0)
        : base(alpha, seed, "MixUp's alpha must be a finite number > 0 (as alpha → 0, MixUp approaches plain training).")
    {
    }

    private protected override void Draw(Tensor xb)
    {
        double lambda = Beta.Sample(Random, Alpha);
        Lambda = Math.Max(lambda, 1 - lambda);
    }

    private protected override Tensor Mix(Tensor xb, Tensor permuted) => xb.lerp(permuted, 1 - Lambda);
}
