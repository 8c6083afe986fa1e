using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallbackGen.Checkpoints;

namespace CallbackGen.Crash;

/// <summary>
/// Kill -9 anywhere: runs <see cref="CrashTask"/> as a child process, SIGKILLs it at pseudo-random
/// moments (a fixed seed), checks that every checkpoint on disk loads, resumes, and compares the
/// final weights of every completed run with an uninterrupted run's, bit for bit.
/// </summary>
public static class KillLoop
{
    /// <summary>What a loop saw.</summary>
    /// <param name="Kills">Children killed with SIGKILL.</param>
    /// <param name="Resumes">Children started with a checkpoint on disk.</param>
    /// <param name="Runs">Runs completed (after any number of kills).</param>
    /// <param name="BitIdentical">Completed runs whose final weights equal the uninterrupted run's.</param>
    /// <param name="CheckpointsChecked">Checkpoints found on disk after a kill and loaded.</param>
    /// <param name="Unreadable">Of those, the ones that failed to load (with why).</param>
    /// <param name="Elapsed">Wall time.</param>
    public sealed record Result(int Kills, int Resumes, int Runs, int BitIdentical, int CheckpointsChecked, IReadOnlyList<string> Unreadable, TimeSpan Elapsed);

    /// <summary>Runs the loop until at least <paramref name="kills"/> kills and every started run completed.</summary>
    /// <param name="kills">Kills to deliver at least.</param>
    /// <param name="seed">Seeds the kill moments.</param>
    /// <param name="work">A scratch folder (emptied).</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="child">This program's built dll to run as the child; null: this assembly.</param>
    public static Result Run(int kills, int seed, string work, TextWriter? log = null, string? child = null)
    {
        string program = child ?? typeof(KillLoop).Assembly.Location;
        var clock = Stopwatch.StartNew();
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        string reference = Path.Combine(work, "reference");
        var (code, trainTime) = Child(program, reference, killAfter: null);
        if (code != 0)
        {
            throw new InvalidOperationException($"The uninterrupted run failed with exit code {code}.");
        }

        byte[] expected = File.ReadAllBytes(Path.Combine(reference, CrashTask.FinalName));
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uninterrupted run: {trainTime.TotalMilliseconds:F0} ms of training"));
        var random = new Random(seed);
        int killed = 0, resumes = 0, runs = 0, identical = 0, checkedCount = 0;
        var unreadable = new List<string>();
        while (killed < kills)
        {
            string dir = Path.Combine(work, "run" + runs.ToString(CultureInfo.InvariantCulture));
            while (true)
            {
                if (File.Exists(Path.Combine(dir, CrashTask.CheckpointName)))
                {
                    resumes++;
                }

                // Anywhere from the first batch to past the end of what is left of the fit.
                TimeSpan? at = killed < kills ? TimeSpan.FromMilliseconds(random.NextDouble() * trainTime.TotalMilliseconds * 0.7) : null;
                var (exit, _) = Child(program, dir, at);
                if (exit == 0)
                {
                    break;
                }

                killed++;
                string ckpt = Path.Combine(dir, CrashTask.CheckpointName);
                if (File.Exists(ckpt))
                {
                    checkedCount++;
                    try
                    {
                        using Learner probe = CrashTask.Create();
                        probe.LoadCheckpoint(ckpt);
                    }
                    catch (Exception ex) when (ex is CheckpointException or IOException)
                    {
                        unreadable.Add($"after kill {killed}: {ex.Message}");
                    }
                }

                log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill {killed} at {at?.TotalMilliseconds:F0} ms (run {runs})"));
            }

            runs++;
            bool same = File.ReadAllBytes(Path.Combine(dir, CrashTask.FinalName)).AsSpan().SequenceEqual(expected);
            identical += same ? 1 : 0;
            log?.WriteLine($"run {runs} completed: final weights {(same ? "bit-identical" : "DIFFERENT")}");
        }

        return new Result(killed, resumes, runs, identical, checkedCount, unreadable, clock.Elapsed);
    }

    /// <summary>The soak: <see cref="Run"/> with many kills, its figures written to <paramref name="report"/>.</summary>
    public static int Soak(int kills, string report, int seed)
    {
        string work = Path.Combine(Path.GetTempPath(), "cbg-soak-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Result r = Run(kills, seed, work, Console.Out);
        Directory.Delete(work, recursive: true);
        var sb = new StringBuilder();
        sb.AppendLine("# Kill -9 soak");
        sb.AppendLine();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"`dotnet bench/Crash/bin/Release/net10.0/CallbackGen.Crash.dll soak {kills} bench/results/soak.md --seed {seed}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores."));
        sb.AppendLine();
        sb.AppendLine("A 3-epoch one-cycle fit (Adam, dropout, shuffled loader, gradient accumulation over 3 batches, a checkpoint every 2 training batches and at each epoch's end) runs as a child process that is SIGKILLed at pseudo-random moments and resumed from its checkpoint until it completes; its final weights are compared with an uninterrupted run's.");
        sb.AppendLine();
        sb.AppendLine("| kills | resumes | completed runs | bit-identical | checkpoints loaded after a kill | unreadable | wall time |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Kills} | {r.Resumes} | {r.Runs} | {r.BitIdentical} | {r.CheckpointsChecked} | {r.Unreadable.Count} | {r.Elapsed.TotalSeconds:F0} s |"));
        foreach (string u in r.Unreadable)
        {
            sb.AppendLine().Append("- ").Append(u);
        }

        IO.AtomicFile.WriteAllText(report, sb.ToString());
        Console.Out.WriteLine(sb.ToString());
        return r.Unreadable.Count == 0 && r.BitIdentical == r.Runs ? 0 : 1;
    }

    /// <summary>Runs one child; kills it <paramref name="killAfter"/> after it said it is ready (null: lets it finish).</summary>
    private static (int ExitCode, TimeSpan Training) Child(string program, string dir, TimeSpan? killAfter)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { program, "train", dir })
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the child process.");
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        var ready = new ManualResetEventSlim();
        var errors = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == CrashTask.Ready)
            {
                ready.Set();
            }
            else if (e.Data is not null && !e.Data.StartsWith("batch ", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        p.BeginErrorReadLine();
        ready.Wait(TimeSpan.FromMinutes(2));
        var training = Stopwatch.StartNew();
        if (killAfter is TimeSpan t && !p.WaitForExit(t))
        {
            p.Kill();
            p.WaitForExit();
            return (-9, training.Elapsed);
        }

        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"The child exited with {p.ExitCode}: {errors}");
        }

        return (0, training.Elapsed);
    }
}
