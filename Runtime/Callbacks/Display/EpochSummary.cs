using System.Globalization;

namespace CallbackGen;

/// <summary>
/// One epoch's results as the table, the plain line and the CSV file show them: epoch, training
/// loss, validation loss, each validation metric, and the epoch's wall time.
/// </summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="NEpoch">The epochs of the fit.</param>
/// <param name="Train">The training phase's averages, if a stats callback published them.</param>
/// <param name="Valid">The validation phase's averages, if published.</param>
/// <param name="Time">The epoch's wall time.</param>
internal sealed record EpochSummary(int Epoch, int NEpoch, PhaseStats? Train, PhaseStats? Valid, TimeSpan Time)
{
    /// <summary>Takes the summary of the epoch that just ended.</summary>
    public static EpochSummary Of(Learner learn, TimeSpan time) => new(learn.Epoch, learn.NEpoch, learn.TrainStats, learn.ValidStats, time);

    private IReadOnlyList<KeyValuePair<string, double>> Metrics =>
        Valid?.Metrics ?? Train?.Metrics ?? Array.Empty<KeyValuePair<string, double>>();

    /// <summary>The column names between epoch and time.</summary>
    public IEnumerable<string> ValueNames => new[] { "train_loss", "valid_loss" }.Concat(Metrics.Select(m => m.Key));

    /// <summary>The values of <see cref="ValueNames"/> (NaN where not published).</summary>
    public IEnumerable<double> Values => new[] { Train?.Loss ?? double.NaN, Valid?.Loss ?? double.NaN }.Concat(Metrics.Select(m => m.Value));

    /// <summary>The time as m:ss.f (or h:mm:ss past an hour).</summary>
    public string TimeText => Time.TotalHours >= 1
        ? Time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : Time.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);

    /// <summary>A value as shown to people: six decimals, or "-" when missing.</summary>
    public static string Show(double value) => double.IsNaN(value) ? "-" : value.ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>The whole epoch on one line of <c>name value</c> pairs (no control codes).</summary>
    public string ToLine() =>
        $"epoch {Epoch + 1}/{NEpoch}  " + string.Join("  ", ValueNames.Zip(Values, (n, v) => $"{n} {Show(v)}")) + $"  time {TimeText}";
}
