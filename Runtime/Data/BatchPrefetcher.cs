using System.Runtime.ExceptionServices;

namespace CallbackGen.Data;

/// <summary>
/// Builds the batches of one epoch on background threads, at most <c>capacity</c> ahead of the
/// consumer, and hands them over in batch order.
/// </summary>
/// <remarks>
/// <para>
/// Workers claim batch numbers in increasing order, no more than <c>capacity</c> built (or being built)
/// and not yet taken. The consumer takes batch b, waiting for
/// it if needed: the order, and so the batches, are those of the single-threaded loader.
/// </para>
/// <para>
/// A batch is whatever the builder makes: managed arrays (for datasets that read without libtorch, so the
/// workers never call it), or tensors that belong to no dispose scope. Batches built but never taken are
/// freed by <see cref="Dispose"/>, which also stops and joins every worker: no thread or tensor outlives the epoch.
/// </para>
/// </remarks>
internal sealed class BatchPrefetcher<T> : IDisposable
    where T : notnull
{
    private readonly Func<int, int, T> build;
    private readonly Action<T> release;
    private readonly Action<long>? allocated;
    private readonly int count;
    private readonly int capacity;
    private readonly Thread[] threads;
    private readonly object gate = new();
    private readonly Dictionary<int, T> ready;
    private readonly Dictionary<int, ExceptionDispatchInfo> failed = [];
    private int claimed;
    private int pending;
    private bool stopping;
    private bool disposed;

    /// <param name="count">Batches in the epoch.</param>
    /// <param name="first">The first batch to build (batches before it are not built).</param>
    /// <param name="workers">Background threads.</param>
    /// <param name="capacity">Batches built ahead of the consumer, at most.</param>
    /// <param name="build">Builds batch b on the calling thread, worker w (0-based); tensors in it must belong to no dispose scope.</param>
    /// <param name="release">Frees a batch built and never taken.</param>
    /// <param name="started">Told about each thread started (tests check that they end).</param>
    /// <param name="allocated">Told, as each thread ends, the bytes it allocated on the managed heap (tests check that it is 0).</param>
    public BatchPrefetcher(int count, int first, int workers, int capacity, Func<int, int, T> build, Action<T> release, Action<Thread>? started = null, Action<long>? allocated = null)
    {
        this.count = count;
        this.capacity = capacity;
        this.build = build;
        this.release = release;
        this.allocated = allocated;
        claimed = first - 1;
        threads = new Thread[ThreadCount(count, first, workers)];

        // Sized for every batch that can be out at once, so the workers' adds never grow it (they allocate nothing).
        ready = new Dictionary<int, T>(capacity + threads.Length);
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"CallbackGen loader {i}" };
            started?.Invoke(threads[i]);
            threads[i].UnsafeStart(i);
        }
    }

    /// <summary>The threads a prefetcher starts for these arguments (worker numbers are 0 to this - 1).</summary>
    public static int ThreadCount(int count, int first, int workers) => Math.Max(1, Math.Min(workers, count - first));

    /// <summary>
    /// Takes batch <paramref name="b"/> (each once, in increasing order), waiting until it is built; a
    /// worker's exception for it is rethrown here with its original stack.
    /// </summary>
    public T Take(int b)
    {
        lock (gate)
        {
            while (!ready.ContainsKey(b) && !failed.ContainsKey(b))
            {
                Monitor.Wait(gate);
            }

            if (failed.TryGetValue(b, out ExceptionDispatchInfo? error))
            {
                error.Throw();
            }

            ready.Remove(b, out T? batch);
            pending--;
            Monitor.PulseAll(gate);
            return batch!;
        }
    }

    /// <summary>Stops the workers, waits for them to end, and releases batches nobody took.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        lock (gate)
        {
            stopping = true;
            Monitor.PulseAll(gate);
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        foreach (T batch in ready.Values)
        {
            release(batch);
        }

        ready.Clear();
    }

    // A worker claims batch numbers in increasing order while fewer than `capacity` batches are built and not taken. Only
    // locks and waits on `gate`: no semaphore or cancellation registration, which could allocate.
    private void Work(object? state)
    {
        int worker = (int)state!;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (true)
            {
                int b;
                lock (gate)
                {
                    while (!stopping && pending >= capacity)
                    {
                        Monitor.Wait(gate);
                    }

                    if (stopping || claimed + 1 >= count)
                    {
                        return;
                    }

                    b = ++claimed;
                    pending++;
                }

                T batch;
                try
                {
                    batch = build(b, worker);
                }
                catch (Exception ex)
                {
                    lock (gate)
                    {
                        failed[b] = ExceptionDispatchInfo.Capture(ex);
                        Monitor.PulseAll(gate);
                    }

                    // The consumer stops at this batch: building later ones would be wasted.
                    return;
                }

                lock (gate)
                {
                    if (stopping)
                    {
                        release(batch);
                        return;
                    }

                    ready[b] = batch;
                    Monitor.PulseAll(gate);
                }
            }
        }
        finally
        {
            allocated?.Invoke(GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
