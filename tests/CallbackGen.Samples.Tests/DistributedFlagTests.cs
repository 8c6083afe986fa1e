using CallbackGen.Samples.FashionMnist;

namespace CallbackGen.Samples.Tests;

/// <summary>The main job's <c>--distributed</c> flag where no MPI is installed (docs/distributed.md).</summary>
public sealed class DistributedFlagTests
{
    [Fact]
    public void Distributed_without_an_MPI_library_fails_with_one_line_saying_what_to_install()
    {
        // A library name that cannot load stands for a machine without MPI (only the MPI binding reads it).
        string? before = Environment.GetEnvironmentVariable("CALLBACKGEN_MPI_LIBRARY");
        Environment.SetEnvironmentVariable("CALLBACKGEN_MPI_LIBRARY", "libcallbackgen-no-such-mpi.so.0");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = FashionMnistCli.Run(["--distributed", "--epochs", "1"], output, error);

            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains("apt-get install openmpi-bin", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CALLBACKGEN_MPI_LIBRARY", before);
        }
    }

    [Fact]
    public void Help_lists_the_distributed_flag()
    {
        var output = new StringWriter();
        Assert.Equal(0, FashionMnistCli.Run(["--help"], output, new StringWriter()));
        Assert.Contains("--distributed", output.ToString(), StringComparison.Ordinal);
    }
}
