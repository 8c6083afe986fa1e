using System.Globalization;
using CallbackGen.Benchmarks;

namespace CallbackGen.Crash;

/// <summary>
/// The kill -9 soak: <see cref="KillLoop.Run"/> with at least 100 kills (<c>--kills N</c>), its figures
/// and every kill written to <c>bench/results/soak.md</c> (<c>--out DIR</c> elsewhere).
/// </summary>
public static class Soak
{
    /// <summary>Runs the soak; 0 when every checkpoint loaded, no kill lost more than the checkpoint interval and every completed run's final state is bit-identical.</summary>
    public static int Run(string[] args)
    {
        int kills = 100, seed = 1, delayMs = 15;
        string? outDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--kills" when i + 1 < args.Length:
                    kills = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--seed" when i + 1 < args.Length:
                    seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--delay-ms" when i + 1 < args.Length:
                    delayMs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--out" when i + 1 < args.Length:
                    outDir = Path.GetFullPath(args[++i]);
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: soak [--kills N] [--seed N] [--delay-ms N] [--out DIR]");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(kills, 1, "--kills");
        string folder = outDir ?? Path.Combine(ResultsFile.RepositoryRoot(), "bench", "results");
        string work = Path.Combine(Path.GetTempPath(), "cbg-soak-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        string loadBefore = LoadAverage();
        Console.Out.WriteLine($"soak: {kills} kills, seed {seed}, pace {delayMs} ms; load average {loadBefore}");
        KillLoop.Result r = KillLoop.Run(kills, seed, work, Console.Out, delayMs: delayMs);
        string loadAfter = LoadAverage();
        Directory.Delete(work, recursive: true);

        string pace = delayMs != 15 ? " --delay-ms " + delayMs.ToString(CultureInfo.InvariantCulture) : string.Empty;
        string command = string.Create(CultureInfo.InvariantCulture, $"dotnet run -c Release --project bench/Crash -- soak --kills {kills} --seed {seed}{pace}");
        ResultsFile page = Page(r, command, kills, seed, delayMs, loadBefore, loadAfter);
        string path = page.Save(folder, "soak.md");
        Console.Out.WriteLine($"wrote {path}");
        bool ok = r.Unreadable.Count == 0 && r.BitIdentical == r.Runs && r.MaxWorkLost <= CrashTask.CheckpointEvery;
        Console.Out.WriteLine(ok ? "soak passed" : "soak FAILED");
        return ok ? 0 : 1;
    }

    private static ResultsFile Page(KillLoop.Result r, string command, int kills, int seed, int delayMs, string loadBefore, string loadAfter)
    {
        static string N(double v) => v.ToString("0", CultureInfo.InvariantCulture);
        static string Of(int x, int y) => string.Create(CultureInfo.InvariantCulture, $"{x}/{y}");

        var page = new ResultsFile("Kill -9 soak", command, ("TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?"));
        page.Paragraph(string.Create(CultureInfo.InvariantCulture,
            $"Load average (1, 5, 15 min; runnable/total; last pid) at the start: `{loadBefore}`; at the end: `{loadAfter}`. The machine was shared with other work throughout."));
        // Integers only below: no culture-dependent formatting.
        page.Paragraph(
            $"The child (`bench/Crash`, `CrashTask`) is a {CrashTask.Epochs}-epoch one-cycle fit of a 4-16-1 MLP with dropout on 96 samples: Adam, a shuffling loader, " +
            $"{CrashTask.TrainBatches} training and {CrashTask.ValidBatches} validation batches per epoch, gradient accumulation over 3 batches, an MAE metric over training and validation, " +
            $"a checkpoint after every {CrashTask.CheckpointEvery} training batches and at each epoch's end, CsvLogger and Recorder; every batch and epoch start is paced by {delayMs} ms. " +
            $"Each child is SIGKILLed at a point drawn from seed {seed}: a phase (training batch, validation, between epochs, inside a checkpoint write), a report line in what is left of the fit, " +
            "and a delay after it (for a checkpoint write: the moment its temporary file appears). After each kill the checkpoint on disk is loaded, and the next child resumes from the run folder; " +
            "15% of the children are left to run, so each run ends after a few kills. Every completed run's weights, optimiser state, CSV log (epochs 0..N-1 once each; numbers without the time column) " +
            "and Recorder history are compared with an uninterrupted run's, bit for bit.");

        page.Heading("Figures");
        page.Table(new[] { "what", "value" }, new[]
        {
            new[] { "kills (SIGKILL)", r.Kills.ToString(CultureInfo.InvariantCulture) },
            new[] { "children started (the uninterrupted run included)", r.Children.ToString(CultureInfo.InvariantCulture) },
            new[] { "resumes (children started with a checkpoint on disk)", r.Resumes.ToString(CultureInfo.InvariantCulture) },
            new[] { "checkpoints loaded after a kill", r.CheckpointsChecked.ToString(CultureInfo.InvariantCulture) },
            new[] { "unreadable checkpoints", r.Unreadable.Count.ToString(CultureInfo.InvariantCulture) },
            new[] { "kills that left a checkpoint's temporary file (died inside the atomic write)", r.Records.Count(k => k.Landed == KillLoop.Phase.CheckpointWrite).ToString(CultureInfo.InvariantCulture) },
            new[] { "max work lost (training batches completed but not in the checkpoint)", string.Create(CultureInfo.InvariantCulture, $"{r.MaxWorkLost} (checkpoint interval {CrashTask.CheckpointEvery})") },
            new[] { "completed runs with an identical final state (all four below)", Of(r.BitIdentical, r.Runs) },
            new[] { "final weights bit-identical", Of(r.SameWeights, r.Runs) },
            new[] { "optimiser state bit-identical", Of(r.SameOptimizer, r.Runs) },
            new[] { "CSV log identical (no duplicate or missing epoch)", Of(r.SameCsv, r.Runs) },
            new[] { "Recorder history bit-identical", Of(r.SameRecorder, r.Runs) },
            new[] { "uninterrupted fit (ready to exit)", N(r.ReferenceTime.TotalMilliseconds) + " ms" },
            new[] { "total wall time", string.Create(CultureInfo.InvariantCulture, $"{r.Elapsed.TotalMinutes:F1} min") },
        });

        page.Heading("Where the kills landed");
        page.Paragraph("Planned: the phase aimed at. Landed: the child's last report before it died, or inside an atomic write when that write's temporary file was left behind.");
        KillLoop.Phase[] phases = Enum.GetValues<KillLoop.Phase>();
        page.Table(new[] { "phase", "planned", "landed", "max work lost" }, phases.Select(p => (IReadOnlyList<string>)new[]
        {
            p.ToString(),
            r.Records.Count(k => k.Planned == p).ToString(CultureInfo.InvariantCulture),
            r.Records.Count(k => k.Landed == p).ToString(CultureInfo.InvariantCulture),
            r.Records.Where(k => k.Landed == p).Select(k => k.WorkLost).DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture),
        }));

        if (r.Unreadable.Count > 0 || r.Differences.Count > 0)
        {
            page.Heading("Failures");
            foreach (string line in r.Unreadable.Concat(r.Differences))
            {
                page.Paragraph("- " + line);
            }
        }

        page.Heading("Every kill");
        page.Paragraph("Checkpoints as `eE bB (T)`: the epoch and training batch a resume starts at, and the training batches done (T). At: time from the child's `ready` to the kill.");
        page.Table(new[] { "kill", "run", "plan", "landed", "at (ms)", "resumed from", "checkpoint after", "loads", "batches done", "lost" }, r.Records.Select(k => (IReadOnlyList<string>)new[]
        {
            k.Number.ToString(CultureInfo.InvariantCulture),
            k.Run.ToString(CultureInfo.InvariantCulture),
            k.Plan.Replace("|", "/", StringComparison.Ordinal),
            k.Landed.ToString(),
            k.At.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture),
            k.ResumedFrom,
            k.CheckpointAfter,
            k.Readable ? "yes" : "NO",
            k.BatchesDone.ToString(CultureInfo.InvariantCulture),
            k.WorkLost.ToString(CultureInfo.InvariantCulture),
        }));
        return page;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
