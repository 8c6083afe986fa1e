using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallbackGen.Checkpoints;

namespace CallbackGen.Crash;

/// <summary>
/// Kill -9 anywhere: runs <see cref="CrashTask"/> as a child process and SIGKILLs it at pseudo-random
/// points (a seeded plan per child: a phase, a point in what is left of the fit, a delay), checks after
/// every kill that the checkpoint on disk loads and how much work was lost, resumes from the run folder
/// until the fit completes, and compares the completed run's final state (weights, optimiser state,
/// CSV log, Recorder history) with an uninterrupted run's, bit for bit.
/// </summary>
public static class KillLoop
{
    /// <summary>Where a kill is aimed (the plan) or where it landed (what the child last said, and whether a temporary checkpoint file was left).</summary>
    public enum Phase
    {
        /// <summary>Before the child's first report: starting, loading the checkpoint.</summary>
        Start,

        /// <summary>A training batch (or the checkpoint after it, before its temporary file exists).</summary>
        Training,

        /// <summary>The validation phase.</summary>
        Validation,

        /// <summary>After an epoch's handlers, before the next epoch's first batch (the epoch's checkpoint, the next epoch's start).</summary>
        BetweenEpochs,

        /// <summary>Inside a checkpoint write: the checkpoint's temporary file existed when the process died.</summary>
        CheckpointWrite,

        /// <summary>After the fit: writing the final state (inside one of those writes when its temporary file was left).</summary>
        FinalState,
    }

    /// <summary>One kill.</summary>
    /// <param name="Number">1, 2, …</param>
    /// <param name="Run">The run (fit to completion) it belongs to, from 1.</param>
    /// <param name="Planned">The phase aimed at.</param>
    /// <param name="Plan">The plan in words (the report line it waited for, then how long or for what).</param>
    /// <param name="Landed">Where it landed.</param>
    /// <param name="At">Time from the child's <c>ready</c> to the kill.</param>
    /// <param name="ResumedFrom">The checkpoint the child started from (<c>e1 b4 (16)</c>: epoch, next batch, training batches done), or "fresh start".</param>
    /// <param name="CheckpointAfter">The checkpoint on disk after the kill, the same way, or "none".</param>
    /// <param name="Readable">Whether that checkpoint loaded (true when there was none).</param>
    /// <param name="BatchesDone">Training batches of the fit completed when the child died (from its reports).</param>
    /// <param name="WorkLost">Training batches completed but not in the checkpoint on disk.</param>
    public sealed record Kill(int Number, int Run, Phase Planned, string Plan, Phase Landed, TimeSpan At, string ResumedFrom, string CheckpointAfter, bool Readable, long BatchesDone, long WorkLost);

    /// <summary>What a loop saw.</summary>
    /// <param name="Kills">Children killed with SIGKILL.</param>
    /// <param name="Resumes">Children started with a checkpoint on disk.</param>
    /// <param name="Runs">Runs completed (after any number of kills).</param>
    /// <param name="BitIdentical">Completed runs whose whole final state (weights, optimiser, CSV without its time column, Recorder history) equals the uninterrupted run's.</param>
    /// <param name="CheckpointsChecked">Checkpoints found on disk after a kill and loaded.</param>
    /// <param name="Unreadable">Of those, the ones that failed to load (with why).</param>
    /// <param name="Elapsed">Wall time.</param>
    public sealed record Result(int Kills, int Resumes, int Runs, int BitIdentical, int CheckpointsChecked, IReadOnlyList<string> Unreadable, TimeSpan Elapsed)
    {
        /// <summary>Every kill, in order.</summary>
        public IReadOnlyList<Kill> Records { get; init; } = Array.Empty<Kill>();

        /// <summary>Completed runs whose final weights equal the uninterrupted run's.</summary>
        public int SameWeights { get; init; }

        /// <summary>Completed runs whose final optimiser state equals the uninterrupted run's.</summary>
        public int SameOptimizer { get; init; }

        /// <summary>Completed runs whose CSV log has epochs 0..N−1 once each and equals the uninterrupted run's but for the time column.</summary>
        public int SameCsv { get; init; }

        /// <summary>Completed runs whose Recorder history (losses, hyper-parameters, epoch rows; no wall times) equals the uninterrupted run's.</summary>
        public int SameRecorder { get; init; }

        /// <summary>The differences found, one line each (empty when every run matched).</summary>
        public IReadOnlyList<string> Differences { get; init; } = Array.Empty<string>();

        /// <summary>The most training batches a kill lost (completed but not in the checkpoint on disk).</summary>
        public long MaxWorkLost => Records.Count == 0 ? 0 : Records.Max(k => k.WorkLost);

        /// <summary>Wall time of the uninterrupted run's fit (from its <c>ready</c> to its exit).</summary>
        public TimeSpan ReferenceTime { get; init; }

        /// <summary>Child processes started (the reference run included).</summary>
        public int Children { get; init; }
    }

    /// <summary>Runs the loop until at least <paramref name="kills"/> kills and every started run completed.</summary>
    /// <param name="kills">Kills to deliver at least.</param>
    /// <param name="seed">Seeds the kill plans.</param>
    /// <param name="work">A scratch folder (emptied).</param>
    /// <param name="log">A line per kill and per run.</param>
    /// <param name="child">This program's built dll to run as the child; null: this assembly.</param>
    /// <param name="delayMs">The child's pace per batch and epoch start.</param>
    public static Result Run(int kills, int seed, string work, TextWriter? log = null, string? child = null, int delayMs = 15)
    {
        string program = child ?? typeof(KillLoop).Assembly.Location;
        var clock = Stopwatch.StartNew();
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        string reference = Path.Combine(work, "reference");
        ChildRun refRun = RunChild(program, reference, delayMs, plan: null);
        if (refRun.ExitCode != 0)
        {
            throw new InvalidOperationException($"The uninterrupted run failed with exit code {refRun.ExitCode}.");
        }

        int children = 1;
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}; uninterrupted run: {refRun.Elapsed.TotalMilliseconds:F0} ms from ready to exit"));
        var random = new Random(seed);
        var records = new List<Kill>();
        var unreadable = new List<string>();
        var differences = new List<string>();
        int resumes = 0, runs = 0, identical = 0, checkedCount = 0, sameWeights = 0, sameOpt = 0, sameCsv = 0, sameRecorder = 0;
        while (records.Count < kills)
        {
            runs++;
            string dir = Path.Combine(work, "run" + runs.ToString(CultureInfo.InvariantCulture));
            string ckpt = Path.Combine(dir, CrashTask.CheckpointName);
            while (true)
            {
                Position? from = File.Exists(ckpt) ? Position.Of(ckpt) : null;
                resumes += from is null ? 0 : 1;

                // Most children get a kill plan; some are let run, so that runs end after a few kills.
                Plan? plan = records.Count < kills && random.NextDouble() < 0.85 ? Plan.Draw(random, from, delayMs) : null;
                if (plan is not null)
                {
                    log?.WriteLine($"plan: {plan.Describe()}");
                }

                ChildRun r = RunChild(program, dir, delayMs, plan);
                children++;
                if (r.ExitCode == 0)
                {
                    break;
                }

                Position? after = null;
                bool readable = true;
                if (File.Exists(ckpt))
                {
                    checkedCount++;
                    try
                    {
                        after = Position.Of(ckpt);
                        using Learner probe = CrashTask.Create();
                        probe.LoadCheckpoint(ckpt);
                    }
                    catch (Exception ex) when (ex is CheckpointException or IOException or InvalidDataException)
                    {
                        readable = false;
                        unreadable.Add($"after kill {records.Count + 1}: {ex.Message}");
                    }
                }

                long done = Math.Max(from?.TrainIter ?? 0, r.BatchesDone);
                var kill = new Kill(records.Count + 1, runs, plan!.Phase, plan.Describe(), r.Landed, r.KilledAt, Position.Describe(from), Position.Describe(after), readable, done, done - (after?.TrainIter ?? 0));
                records.Add(kill);
                log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"kill {kill.Number} (run {runs}): {kill.Plan}; landed {kill.Landed} at {kill.At.TotalMilliseconds:F1} ms; resumed from {kill.ResumedFrom}; checkpoint after: {kill.CheckpointAfter}{(readable ? string.Empty : " UNREADABLE")}; lost {kill.WorkLost} batches"));
            }

            var (weights, opt, csv, recorder) = Compare(reference, dir, runs, differences);
            sameWeights += weights ? 1 : 0;
            sameOpt += opt ? 1 : 0;
            sameCsv += csv ? 1 : 0;
            sameRecorder += recorder ? 1 : 0;
            bool all = weights && opt && csv && recorder;
            identical += all ? 1 : 0;
            log?.WriteLine($"run {runs} completed: final state {(all ? "bit-identical" : "DIFFERENT")} (weights {weights}, optimiser {opt}, CSV {csv}, Recorder {recorder})");
        }

        return new Result(records.Count, resumes, runs, identical, checkedCount, unreadable, clock.Elapsed)
        {
            Records = records,
            SameWeights = sameWeights,
            SameOptimizer = sameOpt,
            SameCsv = sameCsv,
            SameRecorder = sameRecorder,
            Differences = differences,
            ReferenceTime = refRun.Elapsed,
            Children = children,
        };
    }

    /// <summary>Compares a completed run's final state with the reference's, adding what differs to <paramref name="differences"/>.</summary>
    private static (bool Weights, bool Optimizer, bool Csv, bool Recorder) Compare(string reference, string dir, int run, List<string> differences)
    {
        bool Same(string name)
        {
            bool same = File.ReadAllBytes(Path.Combine(reference, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, name)));
            if (!same)
            {
                differences.Add($"run {run}: {name} differs from the uninterrupted run's");
            }

            return same;
        }

        bool weights = Same(CrashTask.FinalName);
        bool opt = Same(CrashTask.OptimizerName);
        bool recorder = Same(CrashTask.HistoryName);

        // The CSV: one row per epoch, 0..N-1 in order, the same numbers as the reference; the time column is each run's own.
        string[] expected = WithoutTime(Path.Combine(reference, CrashTask.CsvName));
        string[] actual = WithoutTime(Path.Combine(dir, CrashTask.CsvName));
        string epochs = string.Join(",", actual.Skip(1).Select(l => l.Split(',')[0]));
        string wanted = string.Join(",", Enumerable.Range(0, CrashTask.Epochs));
        bool csv = epochs == wanted && expected.SequenceEqual(actual);
        if (epochs != wanted)
        {
            differences.Add($"run {run}: the CSV's epochs are {epochs}, not {wanted}");
        }
        else if (!csv)
        {
            differences.Add($"run {run}: the CSV's numbers differ from the uninterrupted run's");
        }

        return (weights, opt, csv, recorder);
    }

    private static string[] WithoutTime(string csv) => File.ReadAllLines(csv).Select(l => l[..l.LastIndexOf(',')]).ToArray();

    /// <summary>Runs one child; with a plan, kills it at the planned point (if the child gets there).</summary>
    private static ChildRun RunChild(string program, string dir, int delayMs, Plan? plan)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { program, "train", dir, "--delay-ms", delayMs.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        // Temporary files an earlier kill left (the child's next write of that file removes them).
        HashSet<string> stale = Temporaries(dir).ToHashSet(StringComparer.Ordinal);
        using Process p = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the child process.");
        var state = new ChildState();
        p.OutputDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not string line)
            {
                return;
            }

            if (!state.Observe(line))
            {
                lock (state.Errors)
                {
                    state.Errors.AppendLine(line);
                }
            }

            // The kill is delivered from this reader thread, the moment the line arrives: no other
            // thread's wake-up between the child's report and the planned delay.
            if (plan is not null && !state.Fired && line == plan.After)
            {
                state.Fired = true;
                plan.Wait(dir, stale);
                state.KilledAt = state.SinceReady;
                try
                {
                    p.Kill();
                    state.Killed = true;
                }
                catch (InvalidOperationException)
                {
                    // It exited on its own just now: the run completed.
                }
            }
        };
        p.BeginErrorReadLine();
        p.WaitForExit();
        int exit = p.ExitCode;
        if (exit != 0 && !state.Killed)
        {
            throw new InvalidOperationException($"The child in '{dir}' exited with {exit}: {state.Errors}");
        }

        // Every report the child wrote before it died has been read now (the streams ended). It died
        // inside an atomic write when that write's temporary file is still there.
        // (Other atomic writes, as CsvLogger's rewrite of its file on a resume, go by the last report.)
        string[] left = exit != 0 ? Temporaries(dir).Where(t => !stale.Contains(t)).ToArray() : Array.Empty<string>();
        Phase landed = left.Any(t => IsTemporaryOf(t, CrashTask.CheckpointName)) ? Phase.CheckpointWrite
            : left.Any(t => FinalFiles.Any(f => IsTemporaryOf(t, f))) ? Phase.FinalState
            : state.LastPhase;
        return new ChildRun(exit, state.SinceReady, state.KilledAt, landed, state.BatchesDone);
    }

    private static readonly string[] FinalFiles = { CrashTask.FinalName, CrashTask.OptimizerName, CrashTask.HistoryName };

    /// <summary>True when <paramref name="temporary"/> is the temporary file of an atomic write of <paramref name="name"/>.</summary>
    private static bool IsTemporaryOf(string temporary, string name) =>
        Path.GetFileName(temporary).StartsWith("." + name + ".", StringComparison.Ordinal);

    /// <summary>The temporary files of atomic writes in <paramref name="dir"/> (AtomicFile names them <c>.NAME.PID-XXXXXXXX.tmp</c>).</summary>
    private static IEnumerable<string> Temporaries(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, ".*.tmp") : Enumerable.Empty<string>();

    private sealed record ChildRun(int ExitCode, TimeSpan Elapsed, TimeSpan KilledAt, Phase Landed, long BatchesDone);

    /// <summary>What the child reported so far (written by the stderr reader thread only).</summary>
    private sealed class ChildState
    {
        private readonly Stopwatch sinceReady = new();

        public StringBuilder Errors { get; } = new();

        public bool Fired { get; set; }

        public bool Killed { get; set; }

        public TimeSpan KilledAt { get; set; }

        public Phase LastPhase { get; private set; } = Phase.Start;

        public long BatchesDone { get; private set; }

        public TimeSpan SinceReady => sinceReady.Elapsed;

        /// <summary>Takes in one report line; false for a line that is not a report (an error message).</summary>
        public bool Observe(string line)
        {
            string[] w = line.Split(' ');
            switch (w[0])
            {
                case CrashTask.Ready:
                    sinceReady.Start();
                    LastPhase = Phase.Start;
                    return true;
                case "epoch-start" or "epoch":
                    LastPhase = Phase.BetweenEpochs;
                    return true;
                case "train":
                    LastPhase = Phase.Training;
                    return true;
                case "batch" when w.Length == 3:
                    LastPhase = Phase.Training;
                    BatchesDone = Math.Max(BatchesDone, Global(int.Parse(w[1], CultureInfo.InvariantCulture), int.Parse(w[2], CultureInfo.InvariantCulture)));
                    return true;
                case "validate":
                    LastPhase = Phase.Validation;
                    return true;
                case "done":
                    LastPhase = Phase.FinalState;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>Training batches of the fit done once batch <paramref name="batch"/> of <paramref name="epoch"/> is.</summary>
    private static long Global(int epoch, int batch) => ((long)epoch * CrashTask.TrainBatches) + batch + 1;

    /// <summary>A checkpoint's place in the fit.</summary>
    private sealed record Position(int Epoch, int NextBatch, long TrainIter)
    {
        public static Position Of(string path)
        {
            Checkpoint c = Checkpoint.Read(path);
            return new Position(c.StartEpoch, c.NextBatch, c.TrainIter);
        }

        public static string Describe(Position? p) => p is null ? "none" : string.Create(CultureInfo.InvariantCulture, $"e{p.Epoch} b{p.NextBatch} ({p.TrainIter})");
    }

    /// <summary>Where to kill a child: after the report line <see cref="After"/>, a delay, or once a checkpoint's temporary file appears.</summary>
    private sealed record Plan(Phase Phase, string After, double DelayMs, bool AtTemporaryFile)
    {
        /// <summary>A phase, uniformly; then a point in what is left of the fit (after <paramref name="from"/>), uniformly.</summary>
        /// <returns>Null when nothing is left to run but the end of the fit.</returns>
        public static Plan? Draw(Random random, Position? from, int delayMs)
        {
            int e0 = from?.Epoch ?? 0, b0 = from?.NextBatch ?? 0;
            var batches = new List<(int Epoch, int Batch)>();
            for (int e = e0; e < CrashTask.Epochs; e++)
            {
                for (int b = e == e0 ? b0 : 0; b < CrashTask.TrainBatches; b++)
                {
                    batches.Add((e, b));
                }
            }

            int[] epochs = Enumerable.Range(e0, CrashTask.Epochs - e0).ToArray();
            var phases = new List<Phase> { Phase.Validation, Phase.BetweenEpochs, Phase.CheckpointWrite };
            if (batches.Count > 0)
            {
                phases.Insert(0, Phase.Training);
            }

            if (epochs.Length == 0)
            {
                return null;
            }

            Phase phase = phases[random.Next(phases.Count)];
            switch (phase)
            {
                case Phase.Training:
                    var (te, tb) = batches[random.Next(batches.Count)];
                    return new Plan(phase, $"batch {te} {tb}", random.NextDouble() * delayMs, false);
                case Phase.Validation:
                    return new Plan(phase, $"validate {epochs[random.Next(epochs.Length)]}", random.NextDouble() * delayMs * CrashTask.ValidBatches, false);
                case Phase.BetweenEpochs:
                    return new Plan(phase, $"epoch {epochs[random.Next(epochs.Length)]}", random.NextDouble() * delayMs, false);
                default:
                    // After a batch that writes a checkpoint, or after an epoch's handlers (the epoch's checkpoint).
                    var writes = batches.Where(x => Global(x.Epoch, x.Batch) % CrashTask.CheckpointEvery == 0).Select(x => $"batch {x.Epoch} {x.Batch}")
                        .Concat(epochs.Select(e => $"epoch {e}")).ToArray();
                    return new Plan(phase, writes[random.Next(writes.Length)], 0, true);
            }
        }

        public string Describe() => AtTemporaryFile
            ? $"{Phase}: after '{After}', once the checkpoint's temporary file appears"
            : string.Create(CultureInfo.InvariantCulture, $"{Phase}: {DelayMs:F1} ms after '{After}'");

        /// <summary>Waits (spinning: sub-millisecond) for the planned moment.</summary>
        /// <param name="dir">The run folder.</param>
        /// <param name="stale">Temporary files that were there before the child started.</param>
        public void Wait(string dir, HashSet<string> stale)
        {
            var clock = Stopwatch.StartNew();
            if (AtTemporaryFile)
            {
                // A checkpoint write is milliseconds long: poll its folder for a new temporary file; give up after 250 ms.
                while (clock.ElapsedMilliseconds < 250 && !Temporaries(dir).Any(t => !stale.Contains(t) && IsTemporaryOf(t, CrashTask.CheckpointName)))
                {
                    Thread.SpinWait(20);
                }

                return;
            }

            while (clock.Elapsed.TotalMilliseconds < DelayMs)
            {
                Thread.SpinWait(100);
            }
        }
    }
}
