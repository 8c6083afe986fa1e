using System.Diagnostics;
using System.Text.Json;

namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>
/// Runs bench/Python/seed_runner_dispatch.py (the seed lesson's <c>Runner</c>: sort by <c>_order</c>
/// and <c>getattr</c> per callback per event, five callbacks) with Debian's <c>python3</c> in the same
/// run as the .NET benchmarks, and reads its figures.
/// </summary>
internal static class PythonSeedRunner
{
    /// <summary>What the script measured: median ns per dispatch of each workload.</summary>
    public sealed record Result(string Python, double OneEventNs, double ElevenEventsNs)
    {
        /// <summary>ns per event over the 11 training events.</summary>
        public double PerEventEleven => ElevenEventsNs / 11;
    }

    public static string ScriptPath => Path.Combine(ResultsFile.RepositoryRoot(), "bench", "Python", "seed_runner_dispatch.py");

    /// <summary>Runs the script; null (with the reason written to stderr) when no python3 is installed or it fails.</summary>
    public static Result? Run(bool quick)
    {
        // Debian's interpreter first (the reference), whatever a version manager puts on PATH.
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ScriptPath);
        start.ArgumentList.Add("--json");
        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }

        try
        {
            using Process p = Process.Start(start)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.Error.WriteLine($"{python} {ScriptPath} exited with {p.ExitCode}: {stderr}");
                return null;
            }

            using JsonDocument json = JsonDocument.Parse(stdout);
            JsonElement r = json.RootElement;
            return new Result(
                r.GetProperty("python").GetString() + " (" + r.GetProperty("executable").GetString() + ")",
                r.GetProperty("one_event_ns").GetDouble(),
                r.GetProperty("eleven_events_ns").GetDouble());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Console.Error.WriteLine($"No Python interpreter ({python}): {ex.Message}; the seed Runner comparison is left out.");
            return null;
        }
    }
}
