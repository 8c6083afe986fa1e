namespace CallbackGen;

/// <summary>
/// The built-in annealers and schedule combinators. Each <c>[Annealer]</c> method here gets a
/// generated overload without the position (<c>Schedule Lin(double start, double end)</c>, …).
/// All arithmetic is in double precision, and every annealer returns exactly its start at position 0
/// and exactly its end at position 1.
/// </summary>
/// <example>
/// <code>
/// Schedule warmThenDecay = Schedules.Combine(new[] { 0.3, 0.7 }, new[] { Schedules.Cos(0.3, 0.6), Schedules.Cos(0.6, 0.2) });
/// double lr = Schedules.OneCycleLr(1e-2)(0.25);   // 1e-2, the peak
/// </code>
/// </example>
public static partial class Schedules
{
    /// <summary>Linear from <paramref name="start"/> to <paramref name="end"/>: <c>start + pos·(end − start)</c>.</summary>
    /// <param name="start">The value at position 0.</param>
    /// <param name="end">The value at position 1.</param>
    /// <param name="pos">The position in [0, 1].</param>
    [Annealer]
    public static double Lin(double start, double end, double pos)
    {
        CheckPosition(pos);
        return Interpolate(start, end, pos);
    }

    /// <summary>Cosine from <paramref name="start"/> to <paramref name="end"/>: <c>start + (1 + cos(π(1 − pos)))·(end − start)/2</c>.</summary>
    /// <param name="start">The value at position 0.</param>
    /// <param name="end">The value at position 1.</param>
    /// <param name="pos">The position in [0, 1].</param>
    [Annealer]
    public static double Cos(double start, double end, double pos)
    {
        CheckPosition(pos);
        return Interpolate(start, end, (1 + Math.Cos(Math.PI * (1 - pos))) / 2);
    }

    /// <summary>No annealing: <paramref name="start"/> at every position.</summary>
    /// <param name="start">The constant value.</param>
    /// <param name="end">Ignored (kept so that every built-in has the same shape).</param>
    /// <param name="pos">The position in [0, 1].</param>
    [Annealer]
    public static double No(double start, double end, double pos)
    {
        CheckPosition(pos);
        return start;
    }

    /// <summary>Exponential from <paramref name="start"/> to <paramref name="end"/>: <c>start·(end/start)^pos</c>; both must be &gt; 0.</summary>
    /// <param name="start">The value at position 0, &gt; 0.</param>
    /// <param name="end">The value at position 1, &gt; 0.</param>
    /// <param name="pos">The position in [0, 1].</param>
    [Annealer]
    public static double Exp(double start, double end, double pos)
    {
        if (!(start > 0) || !(end > 0))
        {
            throw new ArgumentException(
                $"Schedules.Exp needs start > 0 and end > 0 (an exponential cannot reach or cross 0); got start = {start}, end = {end}.",
                start > 0 ? nameof(end) : nameof(start));
        }

        CheckPosition(pos);
        return pos == 1 ? end : start * Math.Pow(end / start, pos);
    }

    /// <summary>
    /// Polynomial decay from <paramref name="start"/> to <paramref name="end"/>:
    /// <c>end + (start − end)·(1 − pos)^power</c> (power 1 is linear; larger powers fall faster early).
    /// </summary>
    /// <param name="start">The value at position 0.</param>
    /// <param name="end">The value at position 1.</param>
    /// <param name="power">The exponent, &gt; 0.</param>
    /// <param name="pos">The position in [0, 1].</param>
    [Annealer]
    public static double Poly(double start, double end, double power, double pos)
    {
        if (!(power > 0) || double.IsInfinity(power))
        {
            throw new ArgumentOutOfRangeException(nameof(power), power, "Schedules.Poly needs a finite power > 0.");
        }

        CheckPosition(pos);
        return pos == 0 ? start : end + ((start - end) * Math.Pow(1 - pos, power));
    }

    /// <summary>
    /// Runs <paramref name="scheds"/> one after another, schedule <c>i</c> over a fraction
    /// <paramref name="pcts"/>[i] of training, each seeing its own position from 0 to 1.
    /// </summary>
    /// <param name="pcts">The fraction of training of each schedule: each ≥ 0, summing to 1 (within 1e-9). A 0 skips its schedule.</param>
    /// <param name="scheds">The schedules, as many as <paramref name="pcts"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, a fraction is negative or not finite, or they do not sum to 1.</exception>
    public static Schedule Combine(double[] pcts, Schedule[] scheds)
    {
        ArgumentNullException.ThrowIfNull(pcts);
        ArgumentNullException.ThrowIfNull(scheds);
        if (pcts.Length != scheds.Length)
        {
            throw new ArgumentException($"Schedules.Combine needs one fraction per schedule: got {pcts.Length} fractions and {scheds.Length} schedules.", nameof(scheds));
        }

        if (pcts.Length == 0)
        {
            throw new ArgumentException("Schedules.Combine needs at least one schedule.", nameof(scheds));
        }

        for (int i = 0; i < pcts.Length; i++)
        {
            if (!(pcts[i] >= 0) || double.IsInfinity(pcts[i]))
            {
                throw new ArgumentException($"Schedules.Combine: fraction {i} is {pcts[i]}; each fraction must be finite and >= 0.", nameof(pcts));
            }

            if (scheds[i] is null)
            {
                throw new ArgumentException($"Schedules.Combine: schedule {i} is null.", nameof(scheds));
            }
        }

        double sum = pcts.Sum();
        if (Math.Abs(sum - 1) > 1e-9)
        {
            throw new ArgumentException($"Schedules.Combine: the fractions sum to {sum}, not 1 (they are the share of training each schedule covers).", nameof(pcts));
        }

        // Cumulative bounds c = [0, p0, p0+p1, …, 1], the last forced to exactly 1 so position 1 lands in the last segment.
        double[] bounds = new double[pcts.Length + 1];
        for (int i = 0; i < pcts.Length; i++)
        {
            bounds[i + 1] = bounds[i] + pcts[i];
        }

        bounds[^1] = 1;
        Schedule[] parts = (Schedule[])scheds.Clone();
        return pos =>
        {
            CheckPosition(pos);
            int idx = -1;
            for (int i = 0; i < parts.Length; i++)
            {
                // The last non-empty segment whose start is at or before pos; empty segments never run.
                if (bounds[i + 1] > bounds[i] && pos >= bounds[i])
                {
                    idx = i;
                }
            }

            double local = (pos - bounds[idx]) / (bounds[idx + 1] - bounds[idx]);
            return parts[idx](Math.Min(local, 1));
        };
    }

    /// <summary>
    /// Cosine from <paramref name="start"/> to <paramref name="middle"/> over the first
    /// <paramref name="pct"/> of training, then cosine from <paramref name="middle"/> to <paramref name="end"/>.
    /// </summary>
    /// <param name="pct">The fraction of training spent going to <paramref name="middle"/>, in [0, 1].</param>
    /// <param name="start">The value at position 0.</param>
    /// <param name="middle">The value at position <paramref name="pct"/>.</param>
    /// <param name="end">The value at position 1.</param>
    public static Schedule CombinedCos(double pct, double start, double middle, double end)
    {
        if (!(pct >= 0 && pct <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pct), pct, "Schedules.CombinedCos needs pct in [0, 1].");
        }

        return Combine(new[] { pct, 1 - pct }, new[] { Cos(start, middle), Cos(middle, end) });
    }

    /// <summary>
    /// The one-cycle learning rate (fastai v2): cosine from <c>lrMax/div</c> up to <paramref name="lrMax"/>
    /// over the first <paramref name="pctStart"/> of training, then cosine down to <c>lrMax/divFinal</c>.
    /// </summary>
    /// <param name="lrMax">The peak learning rate, &gt; 0.</param>
    /// <param name="div">The start is <c>lrMax/div</c>.</param>
    /// <param name="divFinal">The end is <c>lrMax/divFinal</c>.</param>
    /// <param name="pctStart">The fraction of training spent warming up.</param>
    public static Schedule OneCycleLr(double lrMax, double div = OneCycle.Div, double divFinal = OneCycle.DivFinal, double pctStart = OneCycle.PctStart)
    {
        if (!(lrMax > 0) || double.IsInfinity(lrMax))
        {
            throw new ArgumentOutOfRangeException(nameof(lrMax), lrMax, "The one-cycle peak learning rate must be finite and > 0.");
        }

        if (!(div > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(div), div, "The one-cycle div must be > 0.");
        }

        if (!(divFinal > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(divFinal), divFinal, "The one-cycle divFinal must be > 0.");
        }

        return CombinedCos(pctStart, lrMax / div, lrMax, lrMax / divFinal);
    }

    /// <summary>
    /// The one-cycle momentum (fastai v2): cosine from <paramref name="start"/> down to
    /// <paramref name="middle"/> while the learning rate warms up, then back to <paramref name="end"/>.
    /// </summary>
    /// <param name="start">The momentum at position 0.</param>
    /// <param name="middle">The momentum at the learning rate's peak.</param>
    /// <param name="end">The momentum at position 1.</param>
    /// <param name="pctStart">The fraction of training spent warming up.</param>
    public static Schedule OneCycleMom(double start = OneCycle.MomStart, double middle = OneCycle.MomMiddle, double end = OneCycle.MomEnd, double pctStart = OneCycle.PctStart) =>
        CombinedCos(pctStart, start, middle, end);

    // Exact at both ends: weight 0 gives start, weight 1 gives end (start + (end − start) can differ from end by an ulp).
    private static double Interpolate(double start, double end, double weight) =>
        weight >= 1 ? end : start + (weight * (end - start));

    private static void CheckPosition(double pos)
    {
        if (!(pos >= 0 && pos <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pos), pos, "A schedule's position must be in [0, 1] (the fraction of training done).");
        }
    }
}
