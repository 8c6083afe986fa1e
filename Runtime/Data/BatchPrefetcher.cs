using System.Runtime.ExceptionServices;

namespace CallbackGen.Data;

/// <summary>
/// Builds the batches of one epoch on background threads, at most <c>capacity</c> ahead of the
/// consumer, and hands them over in batch order.
/// </summary>
/// <remarks>
/// <para>
/// Workers claim batch numbers in increasing order (a permit of a bounded semaphore first, so no more
/// than <c>capacity</c> batches are built and not yet taken). The consumer takes batch b, waiting for
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
    private readonly Func<int, T> build;
    private readonly Action<T> release;
    private readonly int count;
    private readonly Thread[] threads;
    private readonly SemaphoreSlim space;
    private readonly CancellationTokenSource stop = new();
    private readonly object gate = new();
    private readonly Dictionary<int, T> ready = [];
    private readonly Dictionary<int, ExceptionDispatchInfo> failed = [];
    private int claimed;
    private bool disposed;

    /// <param name="count">Batches in the epoch.</param>
    /// <param name="first">The first batch to build (batches before it are not built).</param>
    /// <param name="workers">Background threads.</param>
    /// <param name="capacity">Batches built ahead of the consumer, at most.</param>
    /// <param name="build">Builds batch b on the calling thread; tensors in it must belong to no dispose scope.</param>
    /// <param name="release">Frees a batch built and never taken.</param>
    /// <param name="started">Told about each thread started (tests check that they end).</param>
    public BatchPrefetcher(int count, int first, int workers, int capacity, Func<int, T> build, Action<T> release, Action<Thread>? started = null)
    {
        this.count = count;
        this.build = build;
        this.release = release;
        claimed = first - 1;
        space = new SemaphoreSlim(capacity, capacity);
        threads = new Thread[Math.Max(1, Math.Min(workers, count - first))];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"CallbackGen loader {i}" };
            started?.Invoke(threads[i]);
            threads[i].Start();
        }
    }

    /// <summary>
    /// Takes batch <paramref name="b"/> (each once, in increasing order), waiting until it is built; a
    /// worker's exception for it is rethrown here with its original stack.
    /// </summary>
    public T Take(int b)
    {
        T batch;
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

            ready.Remove(b, out batch!);
        }

        space.Release();
        return batch;
    }

    /// <summary>Stops the workers, waits for them to end, and releases batches nobody took.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        stop.Cancel();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        foreach (T batch in ready.Values)
        {
            release(batch);
        }

        ready.Clear();
        space.Dispose();
        stop.Dispose();
    }

    private void Work()
    {
        try
        {
            while (true)
            {
                space.Wait(stop.Token);
                int b = Interlocked.Increment(ref claimed);
                if (b >= count)
                {
                    return;
                }

                T batch;
                try
                {
                    batch = build(b);
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
                    if (stop.IsCancellationRequested)
                    {
                        release(batch);
                        return;
                    }

                    ready[b] = batch;
                    Monitor.PulseAll(gate);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Dispose: the epoch ended early.
        }
    }
}
