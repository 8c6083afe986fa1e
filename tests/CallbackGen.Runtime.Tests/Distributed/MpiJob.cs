using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CallbackGen.Runtime.Tests.Distributed;

/// <summary>Runs bench/Distributed's program under mpirun (or alone) and collects what it printed.</summary>
internal static class MpiJob
{
    /// <summary>The program's assembly, built with the tests.</summary>
    public static string Child => typeof(MpiJob).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "DistributedChild").Value!;

    /// <summary>Why the distributed tests cannot run here, or null when mpirun and Open MPI's library are installed.</summary>
    public static string? Unavailable { get; } = FindUnavailable();

    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <c>mpirun -np <paramref name="ranks"/></c> of the program (or the program alone for 0), failing the test if it outlives <paramref name="timeout"/>.</summary>
    public static Result Run(int ranks, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(ranks == 0 ? "dotnet" : "mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (ranks > 0)
        {
            // As root Open MPI wants its consent; --bind-to none and --oversubscribe let two ranks share a busy 2-core machine.
            foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet" })
            {
                psi.ArgumentList.Add(a);
            }
        }

        psi.ArgumentList.Add(Child);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["TERM"] = "dumb";
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"the job did not end within {timeout.TotalSeconds} s (a hung collective?)\nstdout: {stdout.Result}\nstderr: {stderr.Result}");
        }

        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? FindUnavailable()
    {
        bool mpirun = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "mpirun")));
        if (!mpirun)
        {
            return "mpirun is not installed (apt-get install openmpi-bin); the distributed tests need it";
        }

        if (!NativeLibrary.TryLoad("libmpi.so.40", out nint handle))
        {
            return "Open MPI's libmpi.so.40 is not installed (apt-get install openmpi-bin); the distributed tests need it";
        }

        NativeLibrary.Free(handle);
        return null;
    }
}
