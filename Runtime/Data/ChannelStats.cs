using System.Globalization;

namespace CallbackGen.Data;

/// <summary>
/// Per-channel mean and standard deviation of a training set, the parameters of <see cref="Normalize"/>.
/// The standard deviation is the sample one (divided by n − 1), as <c>torch.std</c> computes it.
/// </summary>
public sealed class ChannelStats
{
    /// <summary>Creates statistics from known values (e.g. ImageNet's).</summary>
    /// <param name="mean">The mean of each channel.</param>
    /// <param name="std">The standard deviation of each channel; every one positive.</param>
    /// <example><code>
    /// var imageNet = new ChannelStats([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
    /// </code></example>
    public ChannelStats(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"Give one mean and one standard deviation per channel; got {mean.Count} means and {std.Count} standard deviations.", nameof(std));
        }

        for (int c = 0; c < std.Count; c++)
        {
            if (!float.IsFinite(mean[c]) || !(std[c] > 0) || !float.IsFinite(std[c]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Channel {c} has mean {mean[c]} and standard deviation {std[c]}: the mean must be finite and the deviation positive (a constant channel cannot be normalised)."), nameof(std));
            }
        }

        Mean = mean.ToArray();
        Std = std.ToArray();
    }

    /// <summary>The mean of each channel.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>The standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>The number of channels.</summary>
    public int Channels => Mean.Count;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"mean [{string.Join(", ", Mean.Select(m => m.ToString("G6", CultureInfo.InvariantCulture)))}], std [{string.Join(", ", Std.Select(s => s.ToString("G6", CultureInfo.InvariantCulture)))}]");

    /// <summary>Statistics from per-channel sums of values and of squared values over <paramref name="count"/> values each, times <paramref name="scale"/>.</summary>
    internal static ChannelStats FromSums(double[] sums, double[] squares, long count, double scale)
    {
        if (count < 2)
        {
            throw new InvalidOperationException($"Statistics need at least two values per channel; the dataset has {count}.");
        }

        var mean = new float[sums.Length];
        var std = new float[sums.Length];
        for (int c = 0; c < sums.Length; c++)
        {
            double m = sums[c] / count;
            double variance = Math.Max(0, (squares[c] - (sums[c] * m)) / (count - 1));
            mean[c] = (float)(m * scale);
            std[c] = (float)(Math.Sqrt(variance) * scale);
        }

        return new ChannelStats(mean, std);
    }
}
