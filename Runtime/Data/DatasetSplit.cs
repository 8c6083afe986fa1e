namespace CallbackGen.Data;

/// <summary>Divides a dataset's indices into a training and a validation part.</summary>
public static class DatasetSplit
{
    /// <summary>
    /// A seeded random split: the same seed and count always give the same parts. Each part lists its
    /// indices in ascending order (the stored order; the training loader shuffles anyway).
    /// </summary>
    /// <param name="count">The number of samples.</param>
    /// <param name="validPct">The fraction for validation, in (0, 1); rounded to the nearest sample, at least one each side.</param>
    /// <param name="seed">The seed of the split (independent of torch's generators).</param>
    /// <example><code>
    /// (long[] train, long[] valid) = DatasetSplit.Random(1000, validPct: 0.2, seed: 42);
    /// </code></example>
    public static (long[] Train, long[] Valid) Random(long count, double validPct, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        if (!(validPct > 0 && validPct < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validPct), validPct, "The validation fraction must be between 0 and 1 (exclusive).");
        }

        long validCount = Math.Clamp((long)Math.Round(count * validPct), 1, count - 1);
        long[] order = new long[count];
        for (long i = 0; i < count; i++)
        {
            order[i] = i;
        }

        // System.Random with a seed is a fixed algorithm on every .NET version (the compatibility implementation).
        new System.Random(seed).Shuffle(order);
        long[] valid = order[..(int)validCount];
        long[] train = order[(int)validCount..];
        Array.Sort(valid);
        Array.Sort(train);
        return (train, valid);
    }
}
