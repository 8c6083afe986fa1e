using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>A training and a validation loader.</summary>
/// <param name="Train">Batches for training (usually shuffled).</param>
/// <param name="Valid">Batches for validation (in order).</param>
public sealed record DataBunch(DataLoader Train, DataLoader Valid) : IDisposable
{
    /// <summary>
    /// Creates the usual pair over in-memory tensors: a shuffled training loader and a sequential
    /// validation loader with twice the batch size (validation needs no gradients, so bigger
    /// batches fit).
    /// </summary>
    /// <param name="xTrain">Training inputs [N, …] (not copied; not owned unless moved to a device).</param>
    /// <param name="yTrain">Training targets [N, …].</param>
    /// <param name="xValid">Validation inputs [M, …].</param>
    /// <param name="yValid">Validation targets [M, …].</param>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="validBatchSize">Validation batch size; default twice <paramref name="batchSize"/>.</param>
    /// <param name="generator">The CPU generator for the training order; null uses torch's default generator.</param>
    /// <param name="device">Where batches go: the tensors are copied there once (the copies belong to the bunch). Null: leave them where they are.</param>
    public static DataBunch FromTensors(
        Tensor xTrain,
        Tensor yTrain,
        Tensor xValid,
        Tensor yValid,
        int batchSize,
        int? validBatchSize = null,
        Generator? generator = null,
        Device? device = null)
    {
        var train = new DataLoader(xTrain, yTrain, batchSize, shuffle: true, generator);
        var valid = new DataLoader(xValid, yValid, validBatchSize ?? 2 * batchSize);
        var bunch = new DataBunch(train, valid);
        return device is null ? bunch : bunch.To(device);
    }

    /// <summary>
    /// Creates the usual pair over datasets (the general path, or the fast path for
    /// <see cref="TensorDataset"/>s): a shuffled training loader and a sequential validation loader.
    /// </summary>
    /// <param name="train">The training samples.</param>
    /// <param name="valid">The validation samples.</param>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="validBatchSize">Validation batch size; default twice <paramref name="batchSize"/>.</param>
    /// <param name="generator">The CPU generator for the training order; null uses torch's default generator.</param>
    /// <param name="workers">Background threads preparing each loader's batches (see <see cref="DataLoader.FromDataset(IDataset{Sample}, int, Sampler?, int)"/>); 0: none.</param>
    public static DataBunch FromDatasets(
        IDataset<Sample> train,
        IDataset<Sample> valid,
        int batchSize,
        int? validBatchSize = null,
        Generator? generator = null,
        int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        return new DataBunch(
            DataLoader.FromDataset(train, batchSize, new RandomSampler(train.Count, generator), workers),
            DataLoader.FromDataset(valid, validBatchSize ?? 2 * batchSize, workers: workers));
    }

    /// <summary>Both loaders with their batches on <paramref name="device"/> (see <see cref="DataLoader.To"/>).</summary>
    /// <param name="device">The target device.</param>
    public DataBunch To(Device device)
    {
        DataLoader train = Train.To(device);
        try
        {
            return new DataBunch(train, Valid.To(device));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>Releases what the loaders own (device copies); never the caller's tensors.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Valid.Dispose();
    }
}
