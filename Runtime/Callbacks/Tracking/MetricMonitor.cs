namespace CallbackGen;

/// <summary>
/// Reads one epoch-level number from the learner's <see cref="Learner.TrainStats"/> or
/// <see cref="Learner.ValidStats"/> and tracks its best value. Names: <c>valid_loss</c>,
/// <c>train_loss</c>, <c>valid_accuracy</c>, or a bare metric name such as <c>accuracy</c>
/// (validation).
/// </summary>
internal sealed class MetricMonitor
{
    private readonly bool train;
    private readonly string metric;

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
        train = monitor.StartsWith("train_", StringComparison.Ordinal);
        metric = train ? monitor["train_".Length..]
            : monitor.StartsWith("valid_", StringComparison.Ordinal) ? monitor["valid_".Length..]
            : monitor;
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
    public double Read(Learner learn)
    {
        PhaseStats stats = (train ? learn.TrainStats : learn.ValidStats) ?? throw new InvalidOperationException(
            $"{Owner} monitors '{Name}', but no callback published Learner.{(train ? "TrainStats" : "ValidStats")} this epoch; attach the metrics callback (or monitor another phase).");
        return stats[metric];
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
