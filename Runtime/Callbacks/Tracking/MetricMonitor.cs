namespace CallbackGen;

/// <summary>
/// Reads one column of the learner's epoch row (<see cref="Learner.LastEpoch"/>) and tracks its best
/// value. Names: <c>valid_loss</c>, <c>train_loss</c>, <c>valid_accuracy</c>, a bare metric name such
/// as <c>accuracy</c> (validation), or <c>train_accuracy</c> (with training metrics on).
/// </summary>
internal sealed class MetricMonitor
{
    public MetricMonitor(string monitor, Goal goal, double minDelta, string owner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(monitor);
        if (minDelta < 0 || double.IsNaN(minDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, $"{owner}: min_delta must be ≥ 0 (the direction comes from the goal).");
        }

        Name = monitor;
        Goal = goal;
        MinDelta = minDelta;
        Owner = owner;
        Reset();
    }

    public string Name { get; }

    public Goal Goal { get; }

    public double MinDelta { get; }

    public string Owner { get; }

    /// <summary>The best value so far (±∞ before the first epoch).</summary>
    public double Best { get; set; }

    public void Reset() => Best = Goal == Goal.Minimize ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>The monitored value of the epoch that just ended.</summary>
    /// <exception cref="InvalidOperationException">There is no epoch row, or the phase did not run, or it has no such column.</exception>
    public double Read(Learner learn)
    {
        EpochRecord row = learn.LastEpoch ?? throw new InvalidOperationException(
            $"{Owner} monitors '{Name}', but no epoch row (Learner.LastEpoch) was built this epoch; the learner's AvgStatsCallback builds it: keep it attached.");
        if (!row.TryGet(Name, out double value))
        {
            throw new InvalidOperationException(
                $"{Owner} monitors '{Name}', but the epoch row has no such column. Columns: {string.Join(", ", row.Columns)}"
                + (Name.StartsWith("train_", StringComparison.Ordinal) && Name != "train_loss" ? " (training metrics are computed only with trainMetrics: true on the Learner)." : "."));
        }

        if (double.IsNaN(value) && (Name.StartsWith("train_", StringComparison.Ordinal) ? row.Train : row.Valid) is null)
        {
            throw new InvalidOperationException(
                $"{Owner} monitors '{Name}', but its phase did not run this epoch (epoch {row.Epoch}); nothing was published to compare.");
        }

        return value;
    }

    /// <summary>True, and <see cref="Best"/> updated, when <paramref name="value"/> beats the best by more than min_delta. NaN never does.</summary>
    public bool Improve(double value)
    {
        bool better = Goal == Goal.Minimize ? value < Best - MinDelta : value > Best + MinDelta;
        if (better)
        {
            Best = value;
        }

        return better;
    }
}
