using System.Runtime.InteropServices;

namespace CallbackGen.Distributed;

/// <summary>
/// The few MPI functions data-parallel training needs, bound at run time with <see cref="NativeLibrary"/>
/// from whichever MPI is installed: nothing is loaded until distributed training is asked for, so a
/// machine without MPI runs everything else as before. Handles come from <see cref="MpiAbi"/>.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Names tried in order: Open MPI's runtime library, then MPICH's (Debian's package names; the unversioned name needs the -dev package).</summary>
    internal static readonly string[] CandidateNames = ["libmpi.so.40", "libmpich.so.12", "libmpi.so.12", "libmpi.so"];

    /// <summary>An environment variable naming the library to load instead (a path or a name).</summary>
    internal const string LibraryVariable = "CALLBACKGEN_MPI_LIBRARY";

    private readonly delegate* unmanaged<int*, nint, int> init;
    private readonly delegate* unmanaged<int*, int> initialized;
    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<int*, int> finalized;
    private readonly delegate* unmanaged<nint, int*, int> commRank;
    private readonly delegate* unmanaged<nint, int*, int> commSize;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, int> allreduce;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> bcast;
    private readonly delegate* unmanaged<nint, int> barrier;
    private readonly delegate* unmanaged<nint, int, int> abort;
    private readonly delegate* unmanaged<byte*, int*, int> libraryVersion;

    private MpiLibrary(nint handle, string name)
    {
        Name = name;
        Abi = MpiAbi.Detect(symbol => NativeLibrary.TryGetExport(handle, symbol, out nint address) ? address : 0, name);
        init = (delegate* unmanaged<int*, nint, int>)Export(handle, "MPI_Init");
        initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        commRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        commSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)Export(handle, "MPI_Allreduce");
        bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, "MPI_Get_library_version");
    }

    /// <summary>The library that was loaded.</summary>
    public string Name { get; }

    /// <summary>Its binary interface.</summary>
    public MpiAbi Abi { get; }

    /// <summary>Loads the first MPI library found (see <see cref="CandidateNames"/>, <see cref="LibraryVariable"/>).</summary>
    /// <exception cref="MpiUnavailableException">None could be loaded; the message lists what was tried and what to install.</exception>
    public static MpiLibrary Load()
    {
        string? chosen = Environment.GetEnvironmentVariable(LibraryVariable);
        return Load(string.IsNullOrWhiteSpace(chosen) ? CandidateNames : [chosen]);
    }

    /// <summary>Loads the first of <paramref name="names"/> that loads.</summary>
    internal static MpiLibrary Load(IReadOnlyList<string> names)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                return new MpiLibrary(handle, name);
            }
        }

        throw new MpiUnavailableException(
            $"Distributed training needs an MPI library, and none was found (tried {string.Join(", ", names)}): {MpiUnavailableException.InstallHint}.");
    }

    private static nint Export(nint handle, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out nint address)
            ? address
            : throw new MpiUnavailableException($"The MPI library lacks {symbol}; it is older than MPI 3.0, which CallbackGen needs.");

    public bool IsInitialized
    {
        get
        {
            int flag;
            Check(initialized(&flag), "MPI_Initialized");
            return flag != 0;
        }
    }

    public bool IsFinalized
    {
        get
        {
            int flag;
            Check(finalized(&flag), "MPI_Finalized");
            return flag != 0;
        }
    }

    public void Init() => Check(init(null, 0), "MPI_Init");

    public void FinalizeMpi() => Check(finalize(), "MPI_Finalize");

    public int Rank()
    {
        int rank;
        Check(commRank(Abi.CommWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int Size()
    {
        int size;
        Check(commSize(Abi.CommWorld, &size), "MPI_Comm_size");
        return size;
    }

    /// <summary>Sums <paramref name="count"/> elements of <paramref name="type"/> at <paramref name="buffer"/> across ranks, in place.</summary>
    public void AllReduce(void* buffer, int count, nint type, nint op) =>
        Check(allreduce(Abi.InPlace, buffer, count, type, op, Abi.CommWorld), "MPI_Allreduce");

    public void Broadcast(void* buffer, int count, nint type, int root) =>
        Check(bcast(buffer, count, type, root, Abi.CommWorld), "MPI_Bcast");

    public void Barrier() => Check(barrier(Abi.CommWorld), "MPI_Barrier");

    public void Abort(int code) => abort(Abi.CommWorld, code);

    public string LibraryVersion()
    {
        // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI and 8192 in MPICH.
        byte* text = stackalloc byte[8192];
        int length = 0;
        Check(libraryVersion(text, &length), "MPI_Get_library_version");
        return new string((sbyte*)text, 0, length).Split('\n', ',')[0].Trim();
    }

    // MPI's default error handler aborts the job before a call returns an error; a code here means a
    // handler was changed by someone else, and the call did not happen.
    private static void Check(int code, string call)
    {
        if (code != 0)
        {
            throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
        }
    }
}
