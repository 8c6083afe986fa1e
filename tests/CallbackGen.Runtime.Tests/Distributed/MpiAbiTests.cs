using CallbackGen.Distributed;

namespace CallbackGen.Runtime.Tests.Distributed;

/// <summary>The binding tells Open MPI and MPICH apart from the library's exports alone.</summary>
public sealed class MpiAbiTests
{
    private static readonly Dictionary<string, nint> OpenMpiExports = new()
    {
        ["MPI_Init"] = 0x1000,
        ["ompi_mpi_comm_world"] = 0x2000,
        ["ompi_mpi_float"] = 0x2100,
        ["ompi_mpi_double"] = 0x2200,
        ["ompi_mpi_long_long_int"] = 0x2300,
        ["ompi_mpi_byte"] = 0x2400,
        ["ompi_mpi_op_sum"] = 0x2500,
        ["ompi_mpi_op_max"] = 0x2600,
    };

    [Fact]
    public void Open_MPI_handles_are_the_addresses_of_its_exported_objects_and_MPI_IN_PLACE_is_one()
    {
        MpiAbi abi = MpiAbi.Detect(s => OpenMpiExports.GetValueOrDefault(s), "libmpi.so.40");

        Assert.Equal("Open MPI", abi.Name);
        Assert.Equal((nint)0x2000, abi.CommWorld);
        Assert.Equal((nint)0x2100, abi.Float);
        Assert.Equal((nint)0x2200, abi.Double);
        Assert.Equal((nint)0x2300, abi.Int64);
        Assert.Equal((nint)0x2500, abi.Sum);
        Assert.Equal((nint)0x2600, abi.Max);
        Assert.Equal((nint)1, abi.InPlace);
    }

    [Fact]
    public void A_library_with_MPI_Init_but_no_Open_MPI_objects_gets_MPICH_integer_handles_and_MPI_IN_PLACE_minus_one()
    {
        MpiAbi abi = MpiAbi.Detect(s => s == "MPI_Init" ? 0x1000 : 0, "libmpich.so.12");

        Assert.Equal("MPICH", abi.Name);
        Assert.Equal((nint)0x44000000, abi.CommWorld);
        Assert.Equal((nint)0x4c00040a, abi.Float);
        Assert.Equal((nint)0x4c00080b, abi.Double);
        Assert.Equal((nint)0x4c000809, abi.Int64);
        Assert.Equal((nint)0x58000003, abi.Sum);
        Assert.Equal((nint)(-1), abi.InPlace);
    }

    [Fact]
    public void A_library_without_MPI_Init_is_refused_by_name()
    {
        var ex = Assert.Throws<MpiUnavailableException>(() => MpiAbi.Detect(_ => 0, "libfoo.so"));
        Assert.Contains("'libfoo.so' is not an MPI library", ex.Message);
    }

    [Fact]
    public void An_Open_MPI_library_missing_one_handle_names_the_symbol()
    {
        var exports = new Dictionary<string, nint>(OpenMpiExports);
        exports.Remove("ompi_mpi_op_max");

        var ex = Assert.Throws<MpiUnavailableException>(() => MpiAbi.Detect(s => exports.GetValueOrDefault(s), "libmpi.so.40"));
        Assert.Contains("ompi_mpi_op_max", ex.Message);
    }

    [Fact]
    public void When_no_MPI_library_loads_the_error_lists_what_was_tried_and_what_to_install()
    {
        var ex = Assert.Throws<MpiUnavailableException>(() => MpiLibrary.Load(["libcallbackgen-no-such-mpi.so.0"]));
        Assert.Contains("libcallbackgen-no-such-mpi.so.0", ex.Message);
        Assert.Contains("apt-get install openmpi-bin", ex.Message);
    }
}
