namespace CallbackGen;

/// <summary>
/// An exponentially weighted moving average of the loss with bias correction (fastai's smoothed
/// loss): <c>avg = β·avg + (1 − β)·loss</c>, reported as <c>avg / (1 − βⁿ)</c> after n values, so the
/// first value is the first loss itself rather than a value dragged towards 0.
/// </summary>
/// <example>
/// <code>
/// var s = new SmoothedLoss();        // β = 0.98
/// s.Add(1); s.Add(2);                // 1.0, then 1.50505…
/// </code>
/// </example>
public sealed class SmoothedLoss
{
    private double average;

    /// <summary>Creates a smoother.</summary>
    /// <param name="beta">The weight of the past, in [0, 1).</param>
    public SmoothedLoss(double beta = 0.98)
    {
        if (!(beta >= 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The smoothing factor beta must be in [0, 1).");
        }

        Beta = beta;
    }

    /// <summary>The weight of the past.</summary>
    public double Beta { get; }

    /// <summary>The number of values added since the last reset.</summary>
    public long Count { get; private set; }

    /// <summary>The current smoothed, debiased value (NaN before the first value).</summary>
    public double Value => Count == 0 ? double.NaN : average / (1 - Math.Pow(Beta, Count));

    /// <summary>Adds one loss and returns the new smoothed value.</summary>
    public double Add(double loss)
    {
        average = (Beta * average) + ((1 - Beta) * loss);
        Count++;
        return Value;
    }

    /// <summary>Forgets every value.</summary>
    public void Reset()
    {
        average = 0;
        Count = 0;
    }

    /// <summary>The running (biased) average and the number of values: what a checkpoint keeps.</summary>
    internal (double Average, long Count) State
    {
        get => (average, Count);
        set
        {
            if (value.Count < 0)
            {
                throw new InvalidDataException($"Saved smoothed-loss state has a negative count ({value.Count}).");
            }

            (average, Count) = value;
        }
    }
}
