using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Tabular;

/// <summary>
/// fastai's <c>tabular_learner</c>: a <see cref="Learner"/> over a <see cref="TabularModel"/> built from a
/// table's encodings, with cross-entropy for a class target and mean squared error for a number.
/// </summary>
/// <example>
/// <code>
/// using var table = TabularData.FromCsv("adult.csv", target: "salary", validPct: 0.2, seed: 42);
/// using DataBunch data = table.ToDataBunch(batchSize: 64);
/// using Learner learn = TabularLearner.Create(table, data, metrics: [Metrics.Accuracy]);
/// learn.FitOneCycle(5, 1e-2);
/// </code>
/// </example>
public static class TabularLearner
{
    /// <summary>Creates the learner.</summary>
    /// <param name="table">The encoded table (the model's embeddings and outputs come from it).</param>
    /// <param name="data">The loaders over the table (<see cref="TabularData.ToDataBunch"/>).</param>
    /// <param name="layers">The hidden layers' sizes (fastai's default [200, 100]).</param>
    /// <param name="dropouts">Each hidden block's dropout; null for none.</param>
    /// <param name="embeddingDropout">The dropout after the embeddings.</param>
    /// <param name="lossFunc">The loss; default cross-entropy for classes, mean squared error for a number.</param>
    /// <param name="optFunc">The optimiser; default Adam (fastai's).</param>
    /// <param name="lr">The default learning rate.</param>
    /// <param name="cbs">Callbacks.</param>
    /// <param name="metrics">Metrics.</param>
    /// <param name="device">The device.</param>
    public static Learner Create(TabularData table, DataBunch data, IReadOnlyList<int>? layers = null, IReadOnlyList<double>? dropouts = null, double embeddingDropout = 0,
        Func<Tensor, Tensor, Tensor>? lossFunc = null, OptimizerFactory? optFunc = null, double lr = 1e-3, IEnumerable<Callback>? cbs = null,
        IEnumerable<Metric>? metrics = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(data);
        TabularModel model = TabularModel.FromData(table, layers, dropouts, embeddingDropout);
        try
        {
            return new Learner(model, data, lossFunc ?? (table.ClassNames is null ? Regression : Losses.CrossEntropy), optFunc ?? Optimizer.Adam(), lr, cbs, metrics, device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // One output per row against a target per row.
    private static Tensor Regression(Tensor pred, Tensor target)
    {
        using Tensor flat = pred.view(-1);
        return nn.functional.mse_loss(flat, target);
    }
}
