using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CallbackGen.Samples.FashionMnist;
using CallbackGen.Tests;
using Xunit.Abstractions;

namespace CallbackGen.Samples.Tests;

/// <summary>
/// Ctrl-C twice against the built sample in a child process (issue 29): at every moment, in the fit and
/// out of it, the program exits with 130 after saying so, never dies of the signal or of a SIGSEGV.
/// A line of the sample's output says where it is; the offsets are the schedule of the two signals
/// after that line (spread over 0–500 ms), not something measured.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SecondSignalTests(ITestOutputHelper output) : IDisposable
{
    private const int Runs = 20;
    private const int SigInt = 2;

    private readonly TempDirectory dir = new("callbackgen-signals-");

    [Fact]
    public void Two_signals_in_the_fit_always_exit_with_130()
    {
        // --lr: no LR finder, the fit starts right after the "learning rate" line and lasts seconds.
        string[] table = RunSchedule("in the fit", "learning rate ", "--model", "mlp", "--epochs", "20", "--lr", "1e-3", "--train-count", "4000", "--valid-count", "500");
        output.WriteLine(string.Join('\n', table));
    }

    [Fact]
    public void Two_signals_before_the_fit_always_exit_with_130()
    {
        // Without --lr the "data:" line is followed by building the learner and the LR finder.
        string[] table = RunSchedule("before the fit", "data: ", "--model", "mlp", "--epochs", "20", "--train-count", "4000", "--valid-count", "500");
        output.WriteLine(string.Join('\n', table));
    }

    public void Dispose() => dir.Dispose();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private string[] RunSchedule(string where, string readyLine, params string[] args)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return [];
        }

        var rows = new List<string> { $"| {where} | first after the line | second after the first | exit code | said |", "|---|---:|---:|---:|---|" };
        var failures = new List<string>();
        for (int i = 0; i < Runs; i++)
        {
            int first = i * 25;                // 0, 25, … 475 ms after the line
            int second = (i * 7 % Runs) * 25;  // the same values in another order
            (int code, string said, string log) = RunOnce(i, readyLine, first, second, args);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| run {i} | {first} ms | {second} ms | {code} | {said} |"));
            if (code != ExitCodes.Interrupted || said.Length == 0)
            {
                failures.Add($"run {i} ({first} ms, then {second} ms): exit code {code}, said '{said}'\n{log}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures) + "\n" + string.Join('\n', rows));
        return [.. rows];
    }

    // One run: start the sample, wait for its line, send the two signals on schedule, wait for the exit.
    // A death by SIGINT also reports 130 (128 + 2), so the run must also have said why it exited.
    private (int Code, string Said, string Log) RunOnce(int run, string readyLine, int firstMs, int secondMs, string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FashionMnist.dll"));
        foreach (string a in args.Concat(["--data", EmbeddedData.Folder, "--out", dir[$"run-{run}"], "--threads", "1"]))
        {
            start.ArgumentList.Add(a);
        }

        var log = new StringBuilder();
        using var ready = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.StartsWith(readyLine, StringComparison.Ordinal))
            {
                ready.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool sawLine = ready.Wait(TimeSpan.FromMinutes(2));
        if (sawLine)
        {
            // The schedule of the signals (not a wait for something to happen).
            Thread.Sleep(firstMs);
            Kill(process.Id, SigInt);
            Thread.Sleep(secondMs);
            Kill(process.Id, SigInt);
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        string text;
        lock (log)
        {
            text = log.ToString();
        }

        string said = text.Contains("again: exiting", StringComparison.Ordinal) ? "again: exiting"
            : text.Contains("exiting (no fit was running)", StringComparison.Ordinal) ? "exiting (no fit was running)"
            : text.Contains("interrupted: resume with", StringComparison.Ordinal) ? "interrupted: resume with"
            : string.Empty;
        return (sawLine ? process.ExitCode : -1, said, text);
    }
}
