using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// A dataset whose batches loader threads can read into managed buffers without calling libtorch and
/// without allocating on the managed heap. Both matter for the training thread's sake: TorchSharp 0.107
/// lets a garbage collection free a scalar that a running libtorch call still reads (see
/// <see cref="SkiaNative"/>), and a loader thread that allocates can start one at any moment. The
/// buffers are made beforehand on the training thread, and the tensors after, also there.
/// </summary>
internal interface IHostBatchDataset
{
    /// <summary>The shape of one sample's input.</summary>
    long[] SampleShape { get; }

    /// <summary>What one loader thread needs besides the batch (scratch buffers); made on the training thread.</summary>
    object CreateWorkerState();

    /// <summary>
    /// Reads the samples at <paramref name="indices"/> (batch <paramref name="batch"/> of the epoch) into
    /// <paramref name="into"/>: exactly the values the indexer gives. Allocates nothing on success.
    /// </summary>
    /// <exception cref="DataLoaderException">A sample could not be read (names its index).</exception>
    void ReadBatch(ReadOnlySpan<long> indices, int batch, HostBatch into, object workerState);
}

/// <summary>A reusable batch in managed memory: the first <see cref="Count"/> samples' inputs and int64 labels.</summary>
internal sealed class HostBatch(int capacity, long[] sampleShape)
{
    /// <summary>Inputs, sample after sample (room for the capacity).</summary>
    public float[] X { get; } = new float[capacity * sampleShape.Aggregate(1L, (a, d) => a * d)];

    /// <summary>Labels.</summary>
    public long[] Y { get; } = new long[capacity];

    /// <summary>The samples' indices in the dataset (filled by the loader).</summary>
    public long[] Indices { get; } = new long[capacity];

    /// <summary>The samples held.</summary>
    public int Count { get; set; }

    /// <summary>The batch as tensors (copies), in the calling thread's dispose scope; the buffers can be reused at once.</summary>
    public Batch ToTensors()
    {
        long[] shape = new long[sampleShape.Length + 1];
        shape[0] = Count;
        sampleShape.CopyTo(shape, 1);

        // One copy into memory libtorch allocated: no managed array per batch (a batch of images is large-object-heap
        // sized, and one per batch made for frequent full collections).
        Tensor x = empty(shape, ScalarType.Float32);
        Tensor y = empty([Count], ScalarType.Int64);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(X.AsSpan(0, (int)x.numel())).CopyTo(x.bytes);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(Y.AsSpan(0, Count)).CopyTo(y.bytes);
        return new Batch(x, y);
    }
}
