namespace CallbackGen.Distributed;

/// <summary>
/// The handles of one MPI implementation's binary interface: the two families that ship on Linux
/// disagree on what a communicator, a datatype or an operation is at run time, so the binding reads
/// them from the loaded library instead of from a header (docs/distributed.md, "Which MPI").
/// </summary>
/// <param name="Name">"Open MPI" or "MPICH".</param>
/// <param name="CommWorld"><c>MPI_COMM_WORLD</c>.</param>
/// <param name="Float"><c>MPI_FLOAT</c>.</param>
/// <param name="Double"><c>MPI_DOUBLE</c>.</param>
/// <param name="Int64"><c>MPI_LONG_LONG</c> (64 bits on every Linux ABI).</param>
/// <param name="Byte"><c>MPI_BYTE</c>.</param>
/// <param name="Sum"><c>MPI_SUM</c>.</param>
/// <param name="Max"><c>MPI_MAX</c>.</param>
/// <param name="InPlace"><c>MPI_IN_PLACE</c>.</param>
internal sealed record MpiAbi(string Name, nint CommWorld, nint Float, nint Double, nint Int64, nint Byte, nint Sum, nint Max, nint InPlace)
{
    /// <summary>The symbol only Open MPI exports; its address is Open MPI's <c>MPI_COMM_WORLD</c>.</summary>
    internal const string OpenMpiMarker = "ompi_mpi_comm_world";

    /// <summary>
    /// MPICH's handles (and those of its ABI family: Intel MPI, MVAPICH, Cray MPICH) are integers fixed
    /// by its <c>mpi.h</c>; <c>MPI_IN_PLACE</c> is <c>(void*)-1</c>.
    /// </summary>
    internal static readonly MpiAbi Mpich = new(
        "MPICH",
        CommWorld: 0x44000000,
        Float: 0x4c00040a,
        Double: 0x4c00080b,
        Int64: 0x4c000809,
        Byte: 0x4c00010d,
        Sum: 0x58000003,
        Max: 0x58000001,
        InPlace: -1);

    /// <summary>
    /// Reads the ABI of a loaded library. Open MPI's handles are the addresses of exported objects
    /// (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>…) and <c>MPI_IN_PLACE</c> is <c>(void*)1</c>;
    /// a library without <c>ompi_mpi_comm_world</c> that exports <c>MPI_Init</c> has MPICH's.
    /// </summary>
    /// <param name="export">The address of an exported symbol, or 0 when the library has none of that name.</param>
    /// <param name="library">The library's name, for the error message.</param>
    /// <exception cref="MpiUnavailableException">The library is neither (no <c>MPI_Init</c>), or an Open MPI library lacks one of the handles.</exception>
    internal static MpiAbi Detect(Func<string, nint> export, string library)
    {
        if (export(OpenMpiMarker) is var world and not 0)
        {
            return new MpiAbi(
                "Open MPI",
                world,
                Float: Required(export, "ompi_mpi_float", library),
                Double: Required(export, "ompi_mpi_double", library),
                Int64: Required(export, "ompi_mpi_long_long_int", library),
                Byte: Required(export, "ompi_mpi_byte", library),
                Sum: Required(export, "ompi_mpi_op_sum", library),
                Max: Required(export, "ompi_mpi_op_max", library),
                InPlace: 1);
        }

        if (export("MPI_Init") == 0)
        {
            throw new MpiUnavailableException($"'{library}' is not an MPI library: it exports no MPI_Init.");
        }

        return Mpich;
    }

    private static nint Required(Func<string, nint> export, string symbol, string library) =>
        export(symbol) is var address and not 0
            ? address
            : throw new MpiUnavailableException($"'{library}' looks like Open MPI (it exports {OpenMpiMarker}) but lacks '{symbol}'; this Open MPI is not one CallbackGen supports (4.x and 5.x are).");
}
