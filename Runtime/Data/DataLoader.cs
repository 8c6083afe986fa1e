using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Batches of a dataset, in the order its <see cref="Sampler"/> draws each epoch.
/// </summary>
/// <remarks>
/// <para>
/// Two paths. The in-memory fast path (tensors, or a <see cref="TensorDataset"/>) keeps the whole
/// dataset as two tensors and builds each batch with one <c>index_select</c> from the epoch's
/// single <c>randperm</c> (or a <c>narrow</c> when sequential): no per-sample tensors. The general
/// path (<see cref="FromDataset{TSample}"/>) indexes any <see cref="IDataset{TSample}"/> and
/// collates the samples; with <c>workers</c> &gt; 0 it prepares batches on that many background
/// threads, a bounded number ahead of the training loop (for datasets that decode per sample, such as
/// <see cref="ImageFolderDataset"/>). The batches, and their order, are those of the single-threaded
/// loader; an exception while reading a sample surfaces on the enumerating thread as a
/// <see cref="DataLoaderException"/> with the sample's index; the threads end with the epoch.
/// </para>
/// <para>
/// Batch tensors are created in the caller's current dispose scope, so a per-batch scope around
/// <c>MoveNext</c> releases them (and every per-sample tensor of the general path). The epoch's
/// order tensor lives until the enumeration ends or is disposed.
/// </para>
/// </remarks>
public class DataLoader : IEnumerable<Batch>, IDisposable
{
    private readonly BatchSource source;
    private int epochsInProgress;
    private bool disposed;

    /// <summary>Creates a loader over in-memory tensors whose first dimension is the sample.</summary>
    /// <param name="x">Inputs, shape [N, …] (not copied, not owned).</param>
    /// <param name="y">Targets, shape [N, …] (not copied, not owned).</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="shuffle">Draw a new permutation every epoch (with <paramref name="generator"/>).</param>
    /// <param name="generator">The CPU generator for shuffling; null uses torch's default generator.</param>
    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, Generator? generator = null)
        : this(new TensorDataset(x, y), batchSize, shuffle ? new RandomSampler(x.shape[0], generator) : null)
    {
    }

    /// <summary>Creates an in-memory fast-path loader over a <see cref="TensorDataset"/>.</summary>
    /// <param name="dataset">The dataset (its tensors are not copied, not owned).</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="sampler">The order of each epoch; null: sequential.</param>
    public DataLoader(TensorDataset dataset, int batchSize, Sampler? sampler = null)
        : this(new TensorSource(dataset ?? throw new ArgumentNullException(nameof(dataset)), owned: false), batchSize, sampler)
    {
    }

    private DataLoader(BatchSource source, int batchSize, Sampler? sampler)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        sampler ??= new SequentialSampler(source.Length);
        if (sampler.Length != source.Length)
        {
            throw new ArgumentException($"The sampler draws {sampler.Length} indices but the dataset has {source.Length} samples.", nameof(sampler));
        }

        this.source = source;
        BatchSize = batchSize;
        Sampler = sampler;
    }

    /// <summary>
    /// Creates a general-path loader over any dataset of <see cref="Sample"/>s, collated with
    /// <see cref="Collate.Stack"/>. A <see cref="TensorDataset"/> takes the in-memory fast path.
    /// </summary>
    /// <param name="dataset">The dataset.</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="sampler">The order of each epoch; null: sequential.</param>
    /// <param name="workers">
    /// Background threads that prepare batches while the model trains on the current one; 0 reads
    /// samples on the enumerating thread. Up to twice as many batches as workers are built ahead.
    /// Ignored by the in-memory fast path, which has nothing to prepare. Image folders read on these
    /// threads without calling libtorch or allocating; any other dataset's indexer runs on them as it
    /// is, and a thread that allocates during a fit is exposed to a TorchSharp 0.107 problem (a
    /// collection freeing a scalar a libtorch call still reads; docs/data.md): prefer 0 for those.
    /// </param>
    public static DataLoader FromDataset(IDataset<Sample> dataset, int batchSize, Sampler? sampler = null, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        return dataset is TensorDataset tensors
            ? new DataLoader(tensors, batchSize, sampler)
            : new DataLoader(new DatasetSource<Sample>(dataset, Collate.Stack, device: null, workers), batchSize, sampler);
    }

    /// <summary>Creates a general-path loader: each batch indexes the dataset and collates the samples.</summary>
    /// <typeparam name="TSample">The type of one sample.</typeparam>
    /// <param name="dataset">The dataset.</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="collate">Turns a batch's samples into a <see cref="Batch"/> (in the caller's dispose scope).</param>
    /// <param name="sampler">The order of each epoch; null: sequential.</param>
    /// <param name="workers">Background threads preparing batches (0: none); see <see cref="FromDataset(IDataset{Sample}, int, Sampler?, int)"/>. The collate function then runs on them too.</param>
    public static DataLoader FromDataset<TSample>(IDataset<TSample> dataset, int batchSize, Func<IReadOnlyList<TSample>, Batch> collate, Sampler? sampler = null, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(collate);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        return new DataLoader(new DatasetSource<TSample>(dataset, collate, device: null, workers), batchSize, sampler);
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Draws the order of each epoch.</summary>
    public Sampler Sampler { get; }

    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle => Sampler is RandomSampler;

    /// <summary>The generator used for shuffling (null: torch's default, or not shuffling).</summary>
    public Generator? Generator => (Sampler as RandomSampler)?.Generator;

    /// <summary>The number of samples.</summary>
    public long Length => source.Length;

    /// <summary>The number of batches per epoch.</summary>
    public int Count => (int)((Length + BatchSize - 1) / BatchSize);

    /// <summary>The full inputs tensor (in-memory loaders only).</summary>
    /// <exception cref="InvalidOperationException">The loader reads a dataset sample by sample.</exception>
    public Tensor Inputs => InMemory.X;

    /// <summary>The full targets tensor (in-memory loaders only).</summary>
    /// <exception cref="InvalidOperationException">The loader reads a dataset sample by sample.</exception>
    public Tensor Targets => InMemory.Y;

    /// <summary>True when batches come from in-memory tensors (the fast path).</summary>
    public bool IsInMemory => source is TensorSource;

    /// <summary>The device batches are placed on; null when the dataset's samples decide.</summary>
    public Device? Device => source.Device;

    /// <summary>Background threads preparing batches (0: batches are read on the enumerating thread).</summary>
    public int Workers => source.Workers;

    /// <summary>Every worker thread this loader has started (tests check that each has ended).</summary>
    internal IReadOnlyList<Thread> StartedWorkers => source.StartedWorkers;

    /// <summary>Bytes the loader threads allocated on the managed heap, over every epoch so far (tests: 0 for image folders).</summary>
    internal long LoaderAllocatedBytes => source.LoaderAllocatedBytes;

    private TensorDataset InMemory => source is TensorSource t
        ? t.Dataset
        : throw new InvalidOperationException("This loader reads a dataset sample by sample; it has no in-memory inputs and targets tensors.");

    /// <summary>
    /// A loader over the same data and sampler whose batches are on <paramref name="device"/>. An
    /// in-memory loader copies its tensors to the device once (the copies belong to the new loader
    /// and are released by its <see cref="Dispose()"/>); a general-path loader moves each batch.
    /// </summary>
    /// <param name="device">The target device.</param>
    public DataLoader To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(disposed, this);
        return new DataLoader(source.To(device), BatchSize, Sampler);
    }

    /// <summary>
    /// The shuffle state a checkpoint should keep: restored with <see cref="SetShuffleState"/>, the
    /// next epoch draws the order of the epoch in progress now (when called during an epoch, e.g.
    /// from a batch event) or the order the next epoch would have drawn (when called between
    /// epochs). Null when the loader does not shuffle.
    /// </summary>
    public byte[]? GetShuffleState() => Sampler is RandomSampler random
        ? (epochsInProgress > 0 ? random.EpochStartState : random.GetState())
        : null;

    /// <summary>Restores a state from <see cref="GetShuffleState"/> before the next epoch starts.</summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="InvalidOperationException">The loader does not shuffle.</exception>
    public void SetShuffleState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Sampler is not RandomSampler random)
        {
            throw new InvalidOperationException("This loader does not shuffle; it has no shuffle state to restore.");
        }

        random.SetState(state);
    }

    /// <summary>
    /// Yields the batches of one epoch. Batch tensors are created in the caller's current dispose
    /// scope, so a per-batch scope around <c>MoveNext</c> releases them.
    /// </summary>
    public IEnumerator<Batch> GetEnumerator() => GetEnumerator(startBatch: 0);

    /// <summary>
    /// Yields the batches of one epoch from batch <paramref name="startBatch"/> on (a run resumed in
    /// the middle of an epoch): the epoch's order is drawn in full before this returns, so the
    /// shuffle generator advances exactly as for a whole epoch, and the batches before
    /// <paramref name="startBatch"/> are not built.
    /// </summary>
    /// <param name="startBatch">The first batch to yield, from 0 to <see cref="Count"/> (nothing is yielded then).</param>
    public IEnumerator<Batch> GetEnumerator(int startBatch)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(startBatch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(startBatch, Count);
        IEnumerator<Batch> epoch = Epoch(startBatch);
        // The first step draws the order and stops before any batch (see Epoch), so whoever reads the
        // generators next sees them as they are after the draw.
        epoch.MoveNext();
        return epoch;
    }

    private IEnumerator<Batch> Epoch(int startBatch)
    {
        epochsInProgress++;
        Tensor? order = null;
        try
        {
            if (Sampler is not SequentialSampler)
            {
                // The order lives for the whole epoch: detach it from whatever scope is open now,
                // and dispose it when the epoch ends.
                order = source.PrepareOrder(Sampler.NextEpoch().DetachFromDisposeScope());
            }

            yield return default!;
            foreach (Batch batch in source.Epoch(order, BatchSize, startBatch))
            {
                yield return batch;
            }
        }
        finally
        {
            order?.Dispose();
            epochsInProgress--;
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Releases the tensors this loader owns (device copies made by <see cref="To"/>); never the caller's tensors.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases owned tensors.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposed && disposing)
        {
            source.Dispose();
        }

        disposed = true;
    }

    private abstract class BatchSource : IDisposable
    {
        public abstract long Length { get; }

        public abstract Device? Device { get; }

        public virtual int Workers => 0;

        public virtual IReadOnlyList<Thread> StartedWorkers => [];

        public virtual long LoaderAllocatedBytes => 0;

        // Takes ownership of the epoch's CPU order tensor and returns the one to use.
        public abstract Tensor PrepareOrder(Tensor order);

        // order null: sequential.
        public abstract IEnumerable<Batch> Epoch(Tensor? order, int batchSize, int firstBatch);

        public abstract BatchSource To(Device device);

        public abstract void Dispose();
    }

    private sealed class TensorSource(TensorDataset dataset, bool owned) : BatchSource
    {
        public TensorDataset Dataset => dataset;

        public override long Length => dataset.Count;

        public override Device Device => dataset.X.device;

        public override Tensor PrepareOrder(Tensor order)
        {
            if (order.device_type == dataset.X.device_type && order.device_index == dataset.X.device_index)
            {
                return order;
            }

            // One copy of the order per epoch, so index_select runs where the data is.
            using (order)
            {
                return order.to(dataset.X.device).DetachFromDisposeScope();
            }
        }

        public override IEnumerable<Batch> Epoch(Tensor? order, int batchSize, int firstBatch)
        {
            Tensor x = dataset.X;
            Tensor y = dataset.Y;
            long n = dataset.Count;
            for (long start = (long)firstBatch * batchSize; start < n; start += batchSize)
            {
                long len = Math.Min(batchSize, n - start);
                if (order is null)
                {
                    yield return new Batch(x.narrow(0, start, len), y.narrow(0, start, len));
                }
                else
                {
                    using Tensor idx = order.narrow(0, start, len);
                    yield return new Batch(x.index_select(0, idx), y.index_select(0, idx));
                }
            }
        }

        public override BatchSource To(Device device)
        {
            // Copies made outside any caller scope: they belong to the new loader.
            Tensor x = dataset.X.to(device).DetachFromDisposeScope();
            Tensor y = dataset.Y.to(device).DetachFromDisposeScope();
            return new TensorSource(new TensorDataset(x, y), owned: true);
        }

        public override void Dispose()
        {
            if (owned)
            {
                dataset.X.Dispose();
                dataset.Y.Dispose();
            }
        }
    }

    private sealed class DatasetSource<TSample>(IDataset<TSample> dataset, Func<IReadOnlyList<TSample>, Batch> collate, Device? device, int workers) : BatchSource
    {
        private readonly List<Thread> started = [];
        private long loaderAllocated;

        public override long Length => dataset.Count;

        public override Device? Device => device;

        public override int Workers => workers;

        public override long LoaderAllocatedBytes => Interlocked.Read(ref loaderAllocated);

        public override IReadOnlyList<Thread> StartedWorkers
        {
            get
            {
                lock (started)
                {
                    return started.ToArray();
                }
            }
        }

        public override Tensor PrepareOrder(Tensor order) => order;

        public override IEnumerable<Batch> Epoch(Tensor? order, int batchSize, int firstBatch)
        {
            long[]? indices = order?.data<long>().ToArray();
            long n = dataset.Count;
            int count = (int)((n + batchSize - 1) / batchSize);
            if (count <= firstBatch)
            {
                yield break;
            }

            if (HostPath is IHostBatchDataset host)
            {
                foreach (Batch batch in HostEpoch(host, indices, count, batchSize, firstBatch))
                {
                    yield return batch;
                }

                yield break;
            }

            if (workers == 0)
            {
                for (int b = firstBatch; b < count; b++)
                {
                    yield return ToDevice(Build(indices, b, batchSize));
                }

                yield break;
            }

            using var prefetcher = new BatchPrefetcher<Batch>(
                count, first: firstBatch, workers, capacity: 2 * workers, (b, _) => BuildOnWorker(indices, b, batchSize), Release, Track, CountAllocated);
            for (int b = firstBatch; b < count; b++)
            {
                yield return ToDevice(Adopt(prefetcher.Take(b)));
            }
        }

        // A dataset that reads straight into batch buffers with the default collation (no tensor per sample, no stack);
        // its loader threads neither call libtorch nor allocate (see IHostBatchDataset). Null for any other.
        private IHostBatchDataset? HostPath => ReferenceEquals(collate.Method, StackMethod) ? dataset as IHostBatchDataset : null;

        // An epoch of a host-path dataset: buffers from a pool made here, read on the loader threads (or here, with no
        // workers); the tensors are made here, on the training thread, and each buffer goes back to the pool as soon as
        // its batch is copied out.
        private IEnumerable<Batch> HostEpoch(IHostBatchDataset host, long[]? indices, int count, int batchSize, int firstBatch)
        {
            int threads = workers == 0 ? 1 : BatchPrefetcher<HostBatch>.ThreadCount(count, firstBatch, workers);
            int capacity = 2 * workers;
            object[] states = Enumerable.Range(0, threads).Select(_ => host.CreateWorkerState()).ToArray();
            var pool = new Stack<HostBatch>(capacity + threads);
            for (int i = 0; i < capacity + threads; i++)
            {
                pool.Push(new HostBatch(batchSize, host.SampleShape));
            }

            using BatchPrefetcher<HostBatch>? prefetcher = workers == 0 ? null : new BatchPrefetcher<HostBatch>(
                count, first: firstBatch, workers, capacity, (b, w) => ReadHost(host, pool, indices, b, batchSize, states[w]), h => Return(pool, h), Track, CountAllocated);
            for (int b = firstBatch; b < count; b++)
            {
                HostBatch h = prefetcher?.Take(b) ?? ReadHost(host, pool, indices, b, batchSize, states[0]);
                Batch batch = h.ToTensors();
                Return(pool, h);
                yield return ToDevice(batch);
            }
        }

        public override BatchSource To(Device target) => new DatasetSource<TSample>(dataset, collate, target, workers);

        public override void Dispose()
        {
        }

        private void Track(Thread thread)
        {
            lock (started)
            {
                started.Add(thread);
            }
        }

        private static readonly System.Reflection.MethodInfo StackMethod = ((Func<IReadOnlyList<Sample>, Batch>)Collate.Stack).Method;

        // Batch b's samples read into a pooled buffer (on a loader thread: no libtorch call, no allocation).
        private HostBatch ReadHost(IHostBatchDataset host, Stack<HostBatch> pool, long[]? indices, int b, int batchSize, object state)
        {
            HostBatch h;
            lock (pool)
            {
                // The pool holds one buffer per batch that can be out at once (queued, being read): never empty here.
                h = pool.Pop();
            }

            try
            {
                long start = (long)b * batchSize;
                int len = (int)Math.Min(batchSize, dataset.Count - start);
                for (int i = 0; i < len; i++)
                {
                    h.Indices[i] = indices is null ? start + i : indices[start + i];
                }

                host.ReadBatch(h.Indices.AsSpan(0, len), b, h, state);
                return h;
            }
            catch
            {
                Return(pool, h);
                throw;
            }
        }

        private static void Return(Stack<HostBatch> pool, HostBatch h)
        {
            lock (pool)
            {
                pool.Push(h);
            }
        }

        private void CountAllocated(long bytes) => Interlocked.Add(ref loaderAllocated, bytes);

        // Re-creates a worker's batch tensors in the calling thread's current dispose scope.
        private static Batch Adopt(Batch handed)
        {
            // detach() makes a new handle to the same storage, registered in this thread's scope; the worker's handle goes.
            using Tensor x = handed.X;
            using Tensor y = handed.Y;
            return new Batch(x.detach(), ReferenceEquals(x, y) ? x.detach() : y.detach());
        }

        private static void Release(Batch batch)
        {
            batch.X.Dispose();
            batch.Y.Dispose();
        }

        private Batch ToDevice(Batch batch) => device is null ? batch : new Batch(batch.X.to(device), batch.Y.to(device));

        // Batch b of the epoch, in the calling thread's current dispose scope.
        private Batch Build(long[]? indices, int b, int batchSize)
        {
            long start = (long)b * batchSize;
            long len = Math.Min(batchSize, dataset.Count - start);
            var samples = new List<TSample>((int)len);
            for (long i = start; i < start + len; i++)
            {
                long index = indices is null ? i : indices[i];
                try
                {
                    samples.Add(dataset[index]);
                }
                catch (Exception ex)
                {
                    throw new DataLoaderException(index, b, ex);
                }
            }

            try
            {
                return collate(samples);
            }
            catch (Exception ex) when (ex is not CollateException)
            {
                long[] batchIndices = new long[len];
                for (long i = 0; i < len; i++)
                {
                    batchIndices[i] = indices is null ? start + i : indices[start + i];
                }

                throw CollateException.Create(b, batchIndices, samples, ex);
            }
        }

        // Batch b built on a worker: its own scope takes the per-sample tensors; the batch belongs to no scope.
        private Batch BuildOnWorker(long[]? indices, int b, int batchSize)
        {
            using TorchSharp.DisposeScope scope = NewDisposeScope();
            Batch batch = Build(indices, b, batchSize);
            batch.X.DetachFromDisposeScope();
            batch.Y.DetachFromDisposeScope();
            return batch;
        }
    }
}
