using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A named metric: a function of (prediction, target) that returns the batch's mean as a scalar
/// tensor. The learner's <see cref="AvgStatsCallback"/> averages it over each phase, weighted by
/// batch size, on the device, and publishes it in <see cref="PhaseStats"/> under <see cref="Name"/>.
/// </summary>
/// <example>
/// <code>
/// var mae = new Metric("mae", (pred, targ) => (pred - targ).abs().mean());
/// var learn = new Learner(model, data, lossFunc, metrics: new[] { Metric.Accuracy, mae });
/// </code>
/// </example>
public sealed class Metric
{
    /// <summary>Creates a metric.</summary>
    /// <param name="name">The name under which <see cref="PhaseStats"/> reports it; not "loss".</param>
    /// <param name="function">(prediction, target) → the batch mean as a one-element tensor; must not sync with the device.</param>
    public Metric(string name, Func<Tensor, Tensor, Tensor> function)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Function = function ?? throw new ArgumentNullException(nameof(function));
    }

    /// <summary>The fraction of rows whose highest score is the target class (<see cref="Metrics.Accuracy"/>).</summary>
    public static Metric Accuracy { get; } = new("accuracy", Metrics.Accuracy);

    /// <summary>The name under which the metric is reported.</summary>
    public string Name { get; }

    /// <summary>(prediction, target) → the batch mean as a one-element tensor.</summary>
    public Func<Tensor, Tensor, Tensor> Function { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
