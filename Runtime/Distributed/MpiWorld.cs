using static TorchSharp.torch;

namespace CallbackGen.Distributed;

/// <summary>
/// This process's place in an MPI job (its rank among the job's processes) and the collectives
/// data-parallel training uses, on whichever MPI is installed (Open MPI or an MPICH-family library,
/// told apart at run time). One per process: <see cref="Init"/> starts MPI, <see cref="Dispose"/> ends it.
/// </summary>
/// <remarks>
/// Every collective must be called by every rank in the same order, or the job hangs: the learner's
/// <see cref="DataParallel"/> callback keeps that discipline for a fit. Buffers are CPU memory (the
/// library is not assumed to read GPU memory); tensors on other devices are staged through the CPU.
/// </remarks>
/// <example>
/// <code>
/// using MpiWorld world = MpiWorld.Init();          // under mpirun -np 2 …
/// DataBunch shard = data.Shard(world);              // this rank's part of every epoch
/// using var learn = new Learner(model, shard, Losses.CrossEntropy, cbs: [new DataParallel(world)]);
/// learn.Fit(3);                                     // rank 0 prints and writes; every rank trains
/// </code>
/// </example>
public sealed unsafe class MpiWorld : IDisposable
{
    private static readonly object Gate = new();
    private static MpiWorld? current;
    private readonly MpiLibrary mpi;
    private readonly bool ownsInit;
    private bool disposed;

    private MpiWorld(MpiLibrary mpi, bool ownsInit)
    {
        this.mpi = mpi;
        this.ownsInit = ownsInit;
        Rank = mpi.Rank();
        Size = mpi.Size();
        Library = mpi.LibraryVersion();
    }

    /// <summary>This process's rank, from 0 to <see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes in the job (the world size).</summary>
    public int Size { get; }

    /// <summary>True on rank 0, the rank that prints and writes files.</summary>
    public bool IsRankZero => Rank == 0;

    /// <summary>The MPI library's own description (for example "Open MPI v4.1.4").</summary>
    public string Library { get; }

    /// <summary>The binary interface found: "Open MPI" or "MPICH".</summary>
    public string Implementation => mpi.Abi.Name;

    /// <summary>
    /// True when this process was started by an MPI launcher (<c>mpirun</c>, <c>mpiexec</c>, <c>srun</c>
    /// with PMI): the launchers' environment variables are set. A program can turn distributed training
    /// on by itself then, as the FashionMnist sample does.
    /// </summary>
    public static bool IsLaunchedByMpi =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null
        || Environment.GetEnvironmentVariable("PMI_SIZE") is not null
        || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>
    /// Loads the MPI library and starts MPI in this process (once: later calls return the same world
    /// until it is disposed). Run under <c>mpirun -np N</c>; started alone, a process is a world of one.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No MPI library is installed; the message says what to install.</exception>
    public static MpiWorld Init()
    {
        lock (Gate)
        {
            if (current is { disposed: false })
            {
                return current;
            }

            MpiLibrary mpi = MpiLibrary.Load();
            if (mpi.IsFinalized)
            {
                throw new InvalidOperationException("MPI was already finalized in this process; MPI cannot be started twice in one process.");
            }

            bool ownsInit = !mpi.IsInitialized;
            if (ownsInit)
            {
                mpi.Init();
            }

            current = new MpiWorld(mpi, ownsInit);
            return current;
        }
    }

    /// <summary>Sums <paramref name="values"/> element-wise across ranks; every rank gets the sums, in place.</summary>
    /// <param name="values">This rank's values; the sums on return.</param>
    public void AllReduceSum(Span<float> values) => Reduce(values, mpi.Abi.Float, mpi.Abi.Sum);

    /// <inheritdoc cref="AllReduceSum(Span{float})"/>
    public void AllReduceSum(Span<double> values) => Reduce(values, mpi.Abi.Double, mpi.Abi.Sum);

    /// <inheritdoc cref="AllReduceSum(Span{float})"/>
    public void AllReduceSum(Span<long> values) => Reduce(values, mpi.Abi.Int64, mpi.Abi.Sum);

    /// <summary>Replaces each of <paramref name="values"/> by its largest value across ranks, in place.</summary>
    /// <param name="values">This rank's values; the maxima on return.</param>
    public void AllReduceMax(Span<long> values) => Reduce(values, mpi.Abi.Int64, mpi.Abi.Max);

    /// <summary>
    /// Sums a CPU tensor element-wise across ranks in place, without a copy (through its memory as
    /// <see cref="Tensor.bytes"/>): float32, float64 or int64, contiguous.
    /// </summary>
    /// <param name="tensor">This rank's tensor; the sums on return.</param>
    /// <exception cref="ArgumentException">The tensor is not on the CPU, not contiguous, or of another type.</exception>
    public void AllReduceSum(Tensor tensor)
    {
        CheckBuffer(tensor);
        switch (tensor.dtype)
        {
            case ScalarType.Float32:
                AllReduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.bytes));
                break;
            case ScalarType.Float64:
                AllReduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.bytes));
                break;
            case ScalarType.Int64:
                AllReduceSum(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(tensor.bytes));
                break;
            default:
                throw new ArgumentException($"All-reduce supports float32, float64 and int64 tensors; this one is {tensor.dtype}.", nameof(tensor));
        }
    }

    /// <summary>Copies rank <paramref name="root"/>'s bytes into every other rank's <paramref name="buffer"/> (same length on every rank).</summary>
    /// <param name="buffer">The data on the root; overwritten elsewhere.</param>
    /// <param name="root">The rank that sends.</param>
    public void Broadcast(Span<byte> buffer, int root = 0)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (byte* p = buffer)
        {
            for (int start = 0; start < buffer.Length; start += int.MaxValue / 2)
            {
                mpi.Broadcast(p + start, Math.Min(int.MaxValue / 2, buffer.Length - start), mpi.Abi.Byte, root);
            }
        }
    }

    /// <summary>Copies rank <paramref name="root"/>'s CPU tensor into every other rank's tensor of the same shape and type, in place.</summary>
    /// <param name="tensor">The data on the root; overwritten elsewhere.</param>
    /// <param name="root">The rank that sends.</param>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        CheckBuffer(tensor);
        Broadcast(tensor.bytes, root);
    }

    /// <summary>Rank <paramref name="root"/>'s <paramref name="value"/>, on every rank.</summary>
    /// <param name="value">The value (only the root's counts).</param>
    /// <param name="root">The rank that sends.</param>
    public double Broadcast(double value, int root = 0)
    {
        Span<double> one = [value];
        Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(one), root);
        return one[0];
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        mpi.Barrier();
    }

    /// <summary>
    /// Ends every process of the job now with exit code <paramref name="code"/> (<c>MPI_Abort</c>): the
    /// way one rank's failure becomes the job's instead of a hang in the next collective. Does not return.
    /// </summary>
    /// <param name="code">The exit code the launcher reports.</param>
    public void Abort(int code = 1)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        mpi.Abort(code);
        // MPI_Abort does not return; if a library's did, the process must still end.
        Environment.Exit(code);
    }

    /// <summary>
    /// Writes one line naming this rank and the exception to standard error, then <see cref="Abort"/>s
    /// the job: what a distributed program does with an exception it cannot handle.
    /// </summary>
    /// <param name="error">The exception.</param>
    /// <param name="code">The exit code.</param>
    public void Fail(Exception error, int code = 1)
    {
        ArgumentNullException.ThrowIfNull(error);
        Console.Error.WriteLine(FailureLine(Rank, Size, error));
        Abort(code);
    }

    /// <summary>The line <see cref="Fail"/> writes.</summary>
    internal static string FailureLine(int rank, int size, Exception error) =>
        $"rank {rank} of {size} failed, ending the job: {error.GetType().Name}: {error.Message}";

    /// <summary>Ends MPI in this process (<c>MPI_Finalize</c>) if <see cref="Init"/> started it; collective: every rank must call it.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            if (ownsInit && !mpi.IsFinalized)
            {
                mpi.FinalizeMpi();
            }
        }
    }

    private void Reduce<T>(Span<T> values, nint type, nint op)
        where T : unmanaged
    {
        ThrowIfDisposed();
        fixed (T* p = values)
        {
            // MPI counts are ints: a longer span goes in pieces.
            for (int start = 0; start < values.Length; start += int.MaxValue / 2)
            {
                mpi.AllReduce(p + start, Math.Min(int.MaxValue / 2, values.Length - start), type, op);
            }
        }
    }

    private void CheckBuffer(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException($"MPI reads CPU memory in place: the tensor must be a contiguous CPU tensor (it is on {tensor.device}, contiguous: {tensor.is_contiguous()}).", nameof(tensor));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);
}
