using System.Diagnostics;
using System.Text;

namespace CallbackGen.Package.Tests.Infrastructure;

/// <summary>
/// Runs the <c>dotnet</c> CLI as a child process with its output captured. Build servers are
/// switched off: a compiler server or MSBuild node left running would inherit the output pipes,
/// keep them open after the build and outlive the test run.
/// </summary>
public static class DotNet
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    /// <summary>The arguments that keep a build from leaving servers behind.</summary>
    public static readonly string[] NoServers = ["-nodeReuse:false", "-p:UseSharedCompilation=false"];

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static CommandResult Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(HostPath())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, whose MSBuild settings must not leak into a
        // project that is built on its own.
        foreach (string name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string name, string? value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {Limit}:\n{Text(output)}");
        }

        process.WaitForExit(); // Drains the asynchronous readers.
        return new CommandResult("dotnet " + string.Join(' ', arguments), process.ExitCode, Text(output), stopwatch.Elapsed);
    }

    // The CLI that runs the tests names itself in DOTNET_HOST_PATH; otherwise the one on PATH.
    private static string HostPath() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
