using System.Diagnostics;
using System.Globalization;
using static CallbackGen.Benchmarks.ResultsFile;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>
/// Runs <see cref="EpochBenchmark"/> as one process (1 and 2 libtorch threads) and as two mpirun ranks
/// of 1 thread, in interleaved rounds, plus the equality and failure checks the note shows, and writes
/// <c>bench/results/distributed.md</c> (<c>bench/results/quick/</c> with <c>--quick</c>).
/// </summary>
internal static class ScalingReport
{
    private static readonly (string Name, int Ranks, int Threads)[] Variants =
    [
        ("1 process × 1 thread", 0, 1),
        ("1 process × 2 threads", 0, 2),
        ("2 ranks × 1 thread", 2, 1),
    ];

    public static int Run(string[] args)
    {
        var o = new Options(args);
        bool quick = o.Has("quick");
        int rounds = o.Int("rounds", quick ? 1 : 3);
        string dll = typeof(ScalingReport).Assembly.Location;
        var results = new Dictionary<string, List<Dictionary<string, string>>>();
        double loadBefore = LoadAverage();
        for (int round = 0; round < rounds; round++)
        {
            foreach (var (name, ranks, threads) in Variants)
            {
                (int code, string stdout, string stderr, _) = Launch(dll, ranks, "bench", "--threads", threads.ToString(CultureInfo.InvariantCulture));
                string line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
                    ?? throw new InvalidOperationException($"{name} printed no RESULT line (exit {code}): {stderr}");
                Dictionary<string, string> r = line[7..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
                (results.TryGetValue(name, out var list) ? list : results[name] = new()).Add(r);
                Console.WriteLine($"round {round + 1}/{rounds} {name}: {line}");
            }
        }

        double loadAfter = LoadAverage();
        var page = new ResultsFile("Data-parallel training on MPI", "dotnet run -c Release --project bench/Distributed -- report" + (quick ? " --quick" : string.Empty));
        page.Paragraph(
            "The benchmark's CNN (four stride-2 convolutions of 32, 64, 128 and 256 channels and a linear layer: 390,922 parameters, 1.5 MB of float32 gradients) on the embedded Fashion-MNIST subset, one training phase of "
            + $"{D(results[Variants[0].Name][0]["samples"]):N0} images at a global batch of 64 (per rank 32 on two ranks), after one unmeasured warm-up epoch; SGD with momentum. "
            + $"Rounds: {rounds}, each variant once per round in the order of the table; medians over the rounds. "
            + "Two ranks run as `mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 dotnet CallbackGen.Distributed.dll bench --threads 1`.");
        page.Paragraph($"Load average (1 min, /proc/loadavg) when the rounds began: {F(loadBefore, "0.00")}; when they ended: {F(loadAfter, "0.00")}; the machine has {Environment.ProcessorCount} logical cores. "
            + "Other engineers' builds and tests shared the machine: on a busy machine two ranks compete for the same cores as everything else, so the ratios below are lower bounds of what a quiet machine gives.");
        double baseline = Median(results[Variants[0].Name].Select(r => D(r["step_ms"])));
        page.Table(
            ["variant", "median ms per step", "speed-up over 1 process × 1 thread", "all-reduce ms per step", "all-reduce share of the step", "all-reduce calls per step"],
            Variants.Select(v =>
            {
                List<Dictionary<string, string>> rs = results[v.Name];
                double step = Median(rs.Select(r => D(r["step_ms"])));
                double reduce = Median(rs.Select(r => D(r["reduce_ms"])));
                return (IReadOnlyList<string>)
                [
                    v.Name, F(step, "0.00"), F(baseline / step, "0.00") + "×",
                    v.Ranks == 0 ? "—" : F(reduce, "0.000"), v.Ranks == 0 ? "—" : F(100 * reduce / step, "0.0") + " %", v.Ranks == 0 ? "—" : rs[0]["calls"],
                ];
            }));
        page.Paragraph("The all-reduce time is DataParallel.ReduceTime over its steps (both epochs): copying the gradients into the flat bucket, the sample-count/loss all-reduce, the bucket's all-reduce, and copying back. It includes the time a rank waits for the other to arrive, which on a loaded machine (a rank descheduled while the other waits) is most of it.");

        Equality(page, dll);
        Failure(page, dll);
        string folder = Path.Combine(RepositoryRoot(), "bench", "results", quick ? "quick" : string.Empty);
        Console.WriteLine($"wrote {page.Save(folder, "distributed.md")}");
        return 0;
    }

    private static void Equality(ResultsFile page, string dll)
    {
        string dir = Directory.CreateTempSubdirectory("cbg-dist-").FullName;
        try
        {
            Launch(dll, 0, "fit", "--out", Path.Combine(dir, "one"), "--bs", "64");
            Launch(dll, 2, "fit", "--out", Path.Combine(dir, "two"), "--bs", "64");
            float[] w1 = Weights(Path.Combine(dir, "one")), w2 = Weights(Path.Combine(dir, "two"));
            double maxW = w1.Zip(w2, (a, b) => Math.Abs((double)a - b)).Max();
            string[] h0 = File.ReadAllLines(Path.Combine(dir, "two", "probe", "hashes-rank0.txt"));
            string[] h1 = File.ReadAllLines(Path.Combine(dir, "two", "probe", "hashes-rank1.txt"));
            string[] rows1 = File.ReadAllLines(Path.Combine(dir, "one", "run-rank0", "history.csv"));
            string[] rows2 = File.ReadAllLines(Path.Combine(dir, "two", "run-rank0", "history.csv"));
            double maxRow = rows1.Skip(1).Zip(rows2.Skip(1), (a, b) => a.Split(',').Take(4).Zip(b.Split(',').Take(4), (x, y) => Math.Abs(D(x) - D(y))).Max()).Max();
            page.Heading("Equality with one process");
            page.Paragraph("bench/Distributed's `fit`: an MLP 20-32-4 without BatchNorm on 1,024 seeded samples, SGD with momentum 0.9, lr 0.05, 2 epochs; "
                + "one process at batch 64 against two ranks at 32 each (each rank starts from different random weights; rank 0's are broadcast).");
            page.Table(["measure", "value"],
            [
                ["largest absolute weight difference after 2 epochs (804 weights)", F(maxW, "E2")],
                ["largest absolute difference in the epoch rows (train loss, valid loss, accuracy)", F(maxRow, "E2")],
                ["steps whose weights were bit-identical on both ranks", $"{h0.Zip(h1).Count(p => p.First == p.Second)} of {h0.Length}"],
            ]);
            page.Paragraph("One process's rows:\n\n```text\n" + string.Join('\n', rows1) + "\n```\n\nTwo ranks' rows (rank 0's CSV; rank 1 wrote no file):\n\n```text\n" + string.Join('\n', rows2) + "\n```");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Failure(ResultsFile page, string dll)
    {
        string dir = Directory.CreateTempSubdirectory("cbg-dist-").FullName;
        try
        {
            (int code, _, string stderr, TimeSpan took) = Launch(dll, 2, "fit", "--out", dir, "--throw-rank", "1", "--throw-epoch", "1");
            page.Heading("A rank that fails");
            page.Paragraph($"Rank 1 throws at batch 3 of epoch 1; the job ended with exit code {code}, {F(took.TotalSeconds, "0.0")} s after launch (the whole job, start-up included). What the user sees on standard error:");
            page.Paragraph("```text\n" + stderr.Trim() + "\n```");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Out, string Err, TimeSpan Took) Launch(string dll, int ranks, params string[] args)
    {
        var psi = new ProcessStartInfo(ranks == 0 ? "dotnet" : "mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (ranks > 0)
        {
            foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(CultureInfo.InvariantCulture), "dotnet" })
            {
                psi.ArgumentList.Add(a);
            }
        }

        psi.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["TERM"] = "dumb";
        var clock = Stopwatch.StartNew();
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    private static float[] Weights(string dir) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(dir, "probe", "weights-rank0.bin"))).ToArray();

    private static double LoadAverage() => D(File.ReadAllText("/proc/loadavg").Split(' ')[0]);

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }
}
