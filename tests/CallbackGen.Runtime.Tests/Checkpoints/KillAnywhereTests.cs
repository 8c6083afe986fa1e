using System.Diagnostics;
using System.Reflection;
using CallbackGen.Crash;
using Xunit.Abstractions;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// Kill -9 and Ctrl-C against a real child process (bench/Crash): every checkpoint left on disk loads,
/// and resuming after each kill ends with the uninterrupted run's weights, bit for bit.
/// </summary>
[Trait("Category", "Slow")]
public sealed class KillAnywhereTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-kill-").FullName;

    private static string Child => typeof(KillAnywhereTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CrashChild").Value!;

    [Fact]
    public void Twelve_SIGKILLs_at_seeded_points_leave_loadable_checkpoints_lose_at_most_the_interval_and_end_in_the_same_final_state()
    {
        var log = new StringWriter();
        KillLoop.Result r = KillLoop.Run(kills: 12, seed: 20261201, work: Path.Combine(dir, "work"), log: log, child: Child);
        output.WriteLine(log.ToString());
        output.WriteLine(r.ToString());

        Assert.True(r.Kills >= 12);
        Assert.Empty(r.Unreadable);
        Assert.True(r.Runs >= 1);
        // Weights, optimiser state, CSV (epochs once each) and Recorder history, all bit-identical.
        Assert.Empty(r.Differences);
        Assert.Equal(r.Runs, r.BitIdentical);
        Assert.True(r.Resumes >= 1, "no kill landed after the first checkpoint");
        Assert.InRange(r.MaxWorkLost, 0, CrashTask.CheckpointEvery);
        Assert.True(r.Records.Select(k => k.Planned).Distinct().Count() >= 3, "the plans should aim at several phases");
    }

    [Fact]
    public void SIGINT_finishes_the_batch_writes_a_final_checkpoint_restores_the_cursor_and_exits_130_and_the_resume_is_exact()
    {
        string reference = Path.Combine(dir, "reference");
        Assert.Equal(0, Run(reference, interruptAt: null).ExitCode);

        string run = Path.Combine(dir, "interrupted");
        var (code, stdout) = Run(run, interruptAt: "batch 1 2");

        Assert.Equal(130, code);
        Assert.Contains("\u001b[?25h", stdout, StringComparison.Ordinal);
        var ckpt = CallbackGen.Checkpoints.Checkpoint.Read(Path.Combine(run, CrashTask.CheckpointName));
        Assert.Equal(1, ckpt.StartEpoch);
        Assert.True(ckpt.NextBatch >= 3, $"the checkpoint is at batch {ckpt.NextBatch}, before the batch that was running");
        Assert.False(File.Exists(Path.Combine(run, CrashTask.FinalName)));

        Assert.Equal(0, Run(run, interruptAt: null).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, CrashTask.FinalName)), File.ReadAllBytes(Path.Combine(run, CrashTask.FinalName)));
    }

    private (int ExitCode, string Stdout) Run(string folder, string? interruptAt)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { Child, "train", folder, "--live", "--delay-ms", "30" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["TERM"] = "xterm-256color";
        using Process p = Process.Start(start)!;
        var stdout = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
        };
        p.BeginOutputReadLine();
        bool sent = false;
        p.ErrorDataReceived += (_, e) =>
        {
            if (!sent && interruptAt is not null && e.Data == interruptAt)
            {
                sent = true;
                using Process kill = Process.Start("/bin/kill", new[] { "-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!;
                kill.WaitForExit();
            }
        };
        p.BeginErrorReadLine();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "the child did not exit");
        p.WaitForExit();
        output.WriteLine($"exit {p.ExitCode}");
        lock (stdout)
        {
            return (p.ExitCode, stdout.ToString());
        }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
