namespace CallbackGen;

/// <summary>The averages of one phase (training or validation) of an epoch, weighted by batch size.</summary>
/// <param name="Loss">The mean loss per sample.</param>
/// <param name="Metrics">Each metric's mean per sample, by name, in the order the metrics were given.</param>
/// <param name="Count">The number of samples seen.</param>
public sealed record PhaseStats(double Loss, IReadOnlyList<KeyValuePair<string, double>> Metrics, long Count)
{
    /// <summary>The value of the metric named <paramref name="name"/>, or of the loss for "loss".</summary>
    public double this[string name] => name == "loss"
        ? Loss
        : Metrics.FirstOrDefault(m => m.Key == name) is { Key: not null } m
            ? m.Value
            : throw new KeyNotFoundException($"No metric named '{name}'. Known: loss, {string.Join(", ", Metrics.Select(k => k.Key))}.");
}
