namespace CallbackGen.Data;

/// <summary>
/// A sample could not be read by a <see cref="DataLoader"/>: thrown on the thread that enumerates the
/// loader (the training thread), also when the sample was read on a background worker. The dataset's
/// own exception is the <see cref="Exception.InnerException"/>; its message is repeated in this one.
/// </summary>
public sealed class DataLoaderException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sampleIndex">The index of the sample in the dataset.</param>
    /// <param name="batchIndex">The batch of the epoch the sample belonged to.</param>
    /// <param name="inner">What the dataset threw.</param>
    public DataLoaderException(long sampleIndex, int batchIndex, Exception inner)
        : base($"Sample {sampleIndex} (batch {batchIndex} of the epoch) could not be read: {inner?.Message}", inner)
    {
        SampleIndex = sampleIndex;
        BatchIndex = batchIndex;
    }

    /// <summary>The index of the sample in the dataset.</summary>
    public long SampleIndex { get; }

    /// <summary>The batch of the epoch the sample belonged to.</summary>
    public int BatchIndex { get; }
}
