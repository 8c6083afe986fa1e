using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// A dataset held as two tensors whose first dimension is the sample. A <see cref="DataLoader"/>
/// over it takes the in-memory fast path (whole batches by <c>index_select</c>); indexing it one
/// sample at a time is the general path and creates a tensor per sample.
/// </summary>
public sealed class TensorDataset : IDataset<Sample>
{
    /// <summary>Creates a dataset over <paramref name="x"/> and <paramref name="y"/> (not copied, not owned).</summary>
    /// <param name="x">Inputs, shape [N, …].</param>
    /// <param name="y">Targets, shape [N, …].</param>
    public TensorDataset(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Dimensions == 0 || y.Dimensions == 0)
        {
            throw new ArgumentException("Inputs and targets need a first (sample) dimension; a scalar tensor has none.");
        }

        if (x.shape[0] != y.shape[0])
        {
            throw new ArgumentException($"Inputs have {x.shape[0]} samples but targets have {y.shape[0]}.", nameof(y));
        }

        X = x;
        Y = y;
    }

    /// <summary>All inputs.</summary>
    public Tensor X { get; }

    /// <summary>All targets.</summary>
    public Tensor Y { get; }

    /// <inheritdoc/>
    public long Count => X.shape[0];

    /// <inheritdoc/>
    public Sample this[long index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return new Sample(X[index], Y[index]);
        }
    }
}
