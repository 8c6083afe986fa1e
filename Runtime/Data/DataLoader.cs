using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Batches of a dataset. The in-memory fast path keeps the whole dataset as two tensors and builds
/// each batch with one <c>index_select</c> from a per-epoch <c>randperm</c>: no per-sample tensors.
/// </summary>
public class DataLoader : IEnumerable<Batch>
{
    private readonly Tensor x;
    private readonly Tensor y;

    /// <summary>Creates a loader over in-memory tensors whose first dimension is the sample.</summary>
    /// <param name="x">Inputs, shape [N, …].</param>
    /// <param name="y">Targets, shape [N, …].</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="shuffle">Draw a new permutation every epoch (with <paramref name="generator"/>).</param>
    /// <param name="generator">The random generator for shuffling; null uses torch's default generator.</param>
    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (x.shape[0] != y.shape[0])
        {
            throw new ArgumentException($"Inputs have {x.shape[0]} samples but targets have {y.shape[0]}.", nameof(y));
        }

        this.x = x;
        this.y = y;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Generator = generator;
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>The generator used for shuffling (null: torch's default).</summary>
    public Generator? Generator { get; }

    /// <summary>The number of samples.</summary>
    public long Length => x.shape[0];

    /// <summary>The number of batches per epoch.</summary>
    public int Count => (int)((Length + BatchSize - 1) / BatchSize);

    /// <summary>The full inputs tensor.</summary>
    public Tensor Inputs => x;

    /// <summary>The full targets tensor.</summary>
    public Tensor Targets => y;

    /// <summary>
    /// Yields the batches. Batch tensors are created in the caller's current dispose scope, so a
    /// per-batch scope around <c>MoveNext</c> releases them.
    /// </summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        long n = Length;
        Tensor? perm = null;
        try
        {
            if (Shuffle)
            {
                // The permutation lives for the whole epoch: detach it from whatever per-batch
                // scope is open at the first MoveNext, and dispose it when the epoch ends.
                perm = randperm(n, generator: Generator, device: x.device).DetachFromDisposeScope();
            }

            for (long start = 0; start < n; start += BatchSize)
            {
                long len = Math.Min(BatchSize, n - start);
                if (perm is null)
                {
                    yield return new Batch(x.narrow(0, start, len), y.narrow(0, start, len));
                }
                else
                {
                    using Tensor idx = perm.narrow(0, start, len);
                    yield return new Batch(x.index_select(0, idx), y.index_select(0, idx));
                }
            }
        }
        finally
        {
            perm?.Dispose();
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
