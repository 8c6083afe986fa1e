using System.Globalization;

namespace CallbackGen;

/// <summary>
/// One epoch's row, as fastai's <c>Recorder.log</c>: the epoch, the training and validation
/// averages, the metrics and the wall time. Built once per epoch, at <c>AfterEpoch</c>, by the
/// learner's <see cref="AvgStatsCallback"/> and published as <see cref="Learner.LastEpoch"/>;
/// <see cref="Progress"/>, <see cref="CsvLogger"/>, <see cref="EarlyStopping"/>, <see cref="SaveModel"/>'s
/// monitor and <see cref="Recorder.Epochs"/> all read this one row, so they agree on every number.
/// </summary>
/// <remarks>
/// The columns are fixed for a fit: <c>train_loss</c>, then <c>train_&lt;metric&gt;</c> for each
/// metric when training metrics are on (<see cref="Learner.TrainMetrics"/>), then <c>valid_loss</c>,
/// then each validation metric under its bare name (<c>accuracy</c>; <c>valid_accuracy</c> when
/// training metrics are on, as fastai names them). A phase that did not run (a cancelled validation)
/// leaves its columns NaN.
/// </remarks>
/// <example>
/// <code>
/// learn.Fit(1);
/// EpochRecord row = learn.LastEpoch!;
/// Console.WriteLine($"epoch {row.Epoch}: valid loss {row.ValidLoss:F4} in {row.WallTime.TotalSeconds:F1} s");
/// </code>
/// </example>
public sealed record EpochRecord
{
    /// <summary>Creates a row.</summary>
    /// <param name="epoch">The epoch, from 0 (as <see cref="Learner.Epoch"/>, the console and the CSV number it).</param>
    /// <param name="train">The training phase's averages; null when no training batch ran.</param>
    /// <param name="valid">The validation phase's averages; null when validation did not run.</param>
    /// <param name="metricNames">The learner's metric names, so the columns stay the same when a phase is missing.</param>
    /// <param name="trainMetrics">Whether training metrics are columns too.</param>
    /// <param name="wallTime">The epoch's wall time.</param>
    public EpochRecord(int epoch, PhaseStats? train, PhaseStats? valid, IReadOnlyList<string> metricNames, bool trainMetrics, TimeSpan wallTime)
    {
        ArgumentNullException.ThrowIfNull(metricNames);
        Epoch = epoch;
        Train = train is { Count: > 0 } ? train : null;
        Valid = valid is { Count: > 0 } ? valid : null;
        WallTime = wallTime;
        MetricNames = metricNames.ToArray();
        HasTrainMetrics = trainMetrics;

        // Published names win (a stats callback may publish metrics the learner was not given);
        // the learner's names keep the columns when a phase is missing.
        IReadOnlyList<string> validNames = Valid is { Metrics.Count: > 0 } ? Valid.Metrics.Select(m => m.Key).ToArray() : metricNames;
        IReadOnlyList<string> trainNames = !trainMetrics ? Array.Empty<string>()
            : Train is { Metrics.Count: > 0 } ? Train.Metrics.Select(m => m.Key).ToArray() : metricNames;
        var names = new List<string> { "train_loss" };
        var values = new List<double> { Train?.Loss ?? double.NaN };
        foreach (string m in trainNames)
        {
            names.Add("train_" + m);
            values.Add(Find(Train, m));
        }

        names.Add("valid_loss");
        values.Add(Valid?.Loss ?? double.NaN);
        foreach (string m in validNames)
        {
            names.Add(trainMetrics ? "valid_" + m : m);
            values.Add(Find(Valid, m));
        }

        Columns = names;
        Values = values;
    }

    /// <summary>The epoch, from 0.</summary>
    public int Epoch { get; }

    /// <summary>The training phase's batch-size-weighted averages (null when no training batch ran).</summary>
    public PhaseStats? Train { get; }

    /// <summary>The validation phase's batch-size-weighted averages (null when validation did not run).</summary>
    public PhaseStats? Valid { get; }

    /// <summary>The mean training loss per sample (batch-size weighted); null when no training batch ran.</summary>
    public double? TrainLoss => Train?.Loss;

    /// <summary>The mean validation loss per sample; null when validation did not run.</summary>
    public double? ValidLoss => Valid?.Loss;

    /// <summary>The validation metrics, by name (empty when validation did not run).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Metrics => Valid?.Metrics ?? Array.Empty<KeyValuePair<string, double>>();

    /// <summary>The learner's metric names the row was built with.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    /// <summary>Whether training metrics are among the <see cref="Columns"/>.</summary>
    public bool HasTrainMetrics { get; }

    /// <summary>The epoch's wall time: one clock, from the start of the epoch to the row.</summary>
    public TimeSpan WallTime { get; }

    /// <summary>The column names between the epoch and the time (see the remarks).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The values of <see cref="Columns"/>, NaN where the phase did not run.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>
    /// The value of a column: <c>train_loss</c>, <c>valid_loss</c>, <c>train_&lt;metric&gt;</c>,
    /// <c>valid_&lt;metric&gt;</c> or a bare metric name (validation). NaN when the phase did not run.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public double this[string name] => TryGet(name, out double v)
        ? v
        : throw new KeyNotFoundException($"The epoch row has no column '{name}'. Columns: {string.Join(", ", Columns)}.");

    /// <summary>Looks a column up as the indexer does; false when there is no such column.</summary>
    public bool TryGet(string name, out double value)
    {
        ArgumentNullException.ThrowIfNull(name);
        int k = IndexOf(name);
        if (k < 0 && name.StartsWith("valid_", StringComparison.Ordinal))
        {
            k = IndexOf(name["valid_".Length..]);   // "valid_accuracy" when the column is "accuracy"
        }
        else if (k < 0 && !name.StartsWith("train_", StringComparison.Ordinal))
        {
            k = IndexOf("valid_" + name);            // "accuracy" when the column is "valid_accuracy"
        }

        value = k >= 0 ? Values[k] : double.NaN;
        return k >= 0;
    }

    /// <summary>The time as people read it: m:ss.f (or h:mm:ss past an hour).</summary>
    public string TimeText => WallTime.TotalHours >= 1
        ? WallTime.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : WallTime.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);

    private int IndexOf(string column)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }

        return -1;
    }

    private static double Find(PhaseStats? stats, string name)
    {
        if (stats is null)
        {
            return double.NaN;
        }

        foreach (var m in stats.Metrics)
        {
            if (m.Key == name)
            {
                return m.Value;
            }
        }

        return double.NaN;
    }
}
