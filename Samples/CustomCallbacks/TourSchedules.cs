namespace CallbackGen.Samples.CustomCallbacks;

/// <summary>A user-written schedule: write the formula, get the factory.</summary>
public static partial class TourSchedules
{
    /// <summary>
    /// A linear warm-up from <paramref name="start"/> to <paramref name="peak"/> over the first
    /// <paramref name="warmup"/> of training (in [0, 1)), then a cosine decay to zero.
    /// </summary>
    /// <remarks>
    /// <c>[Annealer]</c> makes the generator add <c>Schedule WarmupCos(double start, double peak, double warmup)</c>:
    /// the three leading parameters are fixed now, the position is supplied by the ParamScheduler at every batch
    /// (fastai's <c>@annealer</c> with <c>functools.partial</c>, checked at compile time — CBG0007 if the shape is wrong).
    /// </remarks>
    /// <param name="start">The rate at position 0.</param>
    /// <param name="peak">The rate at the end of the warm-up.</param>
    /// <param name="warmup">The fraction of training spent warming up.</param>
    /// <param name="pos">The position in training, in [0, 1].</param>
    [Annealer]
    public static double WarmupCos(double start, double peak, double warmup, double pos) =>
        pos < warmup
            ? start + ((peak - start) * pos / warmup)
            : peak * (1 + Math.Cos(Math.PI * (pos - warmup) / (1 - warmup))) / 2;
}
