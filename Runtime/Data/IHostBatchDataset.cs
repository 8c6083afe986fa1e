namespace CallbackGen.Data;

/// <summary>
/// A dataset whose batches can be read into managed arrays without calling libtorch. Loader threads use
/// it so that they never call into TorchSharp: with libtorch called from a loader thread and the training
/// thread at once, the training thread's scalars were seen corrupted (AdamW's step and BatchNorm failing
/// on scalar type checks within a few thousand batches); the tensors are made on the training thread.
/// </summary>
internal interface IHostBatchDataset
{
    /// <summary>
    /// Reads the samples at <paramref name="indices"/> (batch <paramref name="batch"/> of the epoch) as one
    /// float array (samples × the sample shape) and their labels, exactly the values the indexer gives.
    /// </summary>
    /// <exception cref="DataLoaderException">A sample could not be read (names its index).</exception>
    HostBatch ReadBatch(ReadOnlySpan<long> indices, int batch);
}

/// <summary>A batch in managed memory: inputs of shape <see cref="XShape"/> and int64 labels.</summary>
internal sealed record HostBatch(float[] X, long[] XShape, long[] Y);
