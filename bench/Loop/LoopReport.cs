using static CallbackGen.Benchmarks.ResultsFile;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>Writes loop.md and memory.md from the measurements, with the goals checked.</summary>
internal static class LoopReport
{
    public static string WriteThroughput(
        BenchArgs options, string command, (string, string)[] versions, ThroughputBenchmark bench, IReadOnlyList<LoopVariant> variants,
        string data, long trainCount, long validCount, int batchSize)
    {
        var page = new ResultsFile("Training-loop benchmark", command, versions);
        int rounds = bench.Samples.Select(s => s.Round).Distinct().Count();
        page.Paragraph(
            $"One epoch (training on {trainCount:N0} samples, then validation on {validCount:N0}) of {data}, batch size {batchSize}, plain SGD (lr {LoopVariant.Lr}), " +
            "one libtorch thread, CPU. Every variant builds the model from the same seed and shuffles with a generator of the same seed. " +
            $"Variants run alternately in one process: a warm-up round, then {rounds} rounds, the order rotated each round. " +
            "Two clocks per epoch: the **training phase** alone (shuffle, training batches, optimiser steps, and every callback's work in that phase, including the end-of-phase read of the averaged loss) " +
            "and the **whole epoch** (training and validation). Throughput = samples / wall time; the table gives the median over rounds, and the ratio to a is the median of the variant's throughput over a's. " +
            "\"Round ratios\" is the range of variant/a within each round (the two ran back to back, so a round's ratio is less exposed to drift in the machine's load). " +
            "CPU ratio is a's process CPU time over the variant's (above 1: cheaper than a), less disturbed by other load on a shared machine. " +
            "Peak RSS is VmHWM reset before each epoch; RSS after is VmRSS after the epoch.");
        page.Table(new[] { "variant", "what" }, variants.Select(v => (IReadOnlyList<string>)new[] { v.Key, v.Description + (v is LearnerVariant l ? $" (callbacks: {l.Callbacks})" : string.Empty) }));

        var goals = new List<IReadOnlyList<string>>();
        foreach (var model in bench.Samples.GroupBy(s => s.Model))
        {
            List<ThroughputBenchmark.Sample> baseRuns = model.Where(s => s.Variant == "a").ToList();
            double trainBase = Median(baseRuns.Select(s => s.TrainSamplesPerSecond));
            double trainCpuBase = Median(baseRuns.Select(s => s.TrainCpuSeconds));
            double epochBase = Median(baseRuns.Select(s => s.SamplesPerSecond));
            double epochCpuBase = Median(baseRuns.Select(s => s.CpuSeconds));

            // variant / a within each round, for the training clock.
            IEnumerable<double> RoundRatios(IEnumerable<ThroughputBenchmark.Sample> g) =>
                g.Join(baseRuns, s => s.Round, a => a.Round, (s, a) => s.TrainSamplesPerSecond / a.TrainSamplesPerSecond);

            page.Heading(model.Key);
            if (bench.Load.TryGetValue(model.Key, out var load))
            {
                page.Paragraph($"Load average (1 min, /proc/loadavg) when this model's rounds began: {F(load.Before, "0.00")}; when they ended: {F(load.After, "0.00")} (the machine has {Environment.ProcessorCount} logical cores).");
            }

            page.Table(
                new[]
                {
                    "variant", "training: median samples/s", "training: ratio to a", "training: round ratios", "training: CPU ratio a/x",
                    "epoch: median samples/s", "epoch: ratio to a", "epoch: CPU ratio a/x", "RSS after epoch (MiB)", "peak RSS in epoch (MiB)",
                },
                model.GroupBy(s => s.Variant).Select(g => (IReadOnlyList<string>)new[]
                {
                    g.Key,
                    F(Median(g.Select(s => s.TrainSamplesPerSecond)), "0"),
                    F(Median(g.Select(s => s.TrainSamplesPerSecond)) / trainBase, "0.000") + "×",
                    $"{F(RoundRatios(g).Min(), "0.000")} – {F(RoundRatios(g).Max(), "0.000")}",
                    F(trainCpuBase / Median(g.Select(s => s.TrainCpuSeconds)), "0.000") + "×",
                    F(Median(g.Select(s => s.SamplesPerSecond)), "0"),
                    F(Median(g.Select(s => s.SamplesPerSecond)) / epochBase, "0.000") + "×",
                    F(epochCpuBase / Median(g.Select(s => s.CpuSeconds)), "0.000") + "×",
                    F(Median(g.Select(s => s.RssAfterMiB)), "0"),
                    F(g.Max(s => s.PeakMiB), "0"),
                }));
            if (bench.WeightDifference.TryGetValue(model.Key, out double diff))
            {
                page.Paragraph($"Same work: after one epoch, a's and b's weights differ by at most {diff:G3} (largest absolute difference over all parameters).");
            }

            bool Has(string key) => model.Any(s => s.Variant == key);
            double Train(string key) => Median(model.Where(s => s.Variant == key).Select(s => s.TrainSamplesPerSecond));
            double TrainCpu(string key) => trainCpuBase / Median(model.Where(s => s.Variant == key).Select(s => s.TrainCpuSeconds));
            double Epoch(string key) => Median(model.Where(s => s.Variant == key).Select(s => s.SamplesPerSecond));
            double EpochCpu(string key) => Median(model.Where(s => s.Variant == key).Select(s => s.CpuSeconds));

            var targets = model.Key == "MLP"
                ? new[] { ("b", 0.99, "defaults"), ("c", 0.97, "the usual stack") }
                : new[] { ("c", 0.99, "the usual stack") };
            foreach (var (key, goal, what) in targets.Where(t => Has(t.Item1)))
            {
                double ratio = Train(key) / trainBase;
                goals.Add(new[]
                {
                    $"{model.Key}, training phase: {key} ({what}) ≥ {F(goal, "0.00")}× a",
                    $"{F(ratio, "0.000")}× (CPU {F(TrainCpu(key), "0.000")}×; whole epoch {F(Epoch(key) / epochBase, "0.000")}×)",
                    ratio >= goal ? "yes" : $"NO: short by {F((goal - ratio) * 100, "0.0")} points",
                });
            }

            if (Has("a+Losses.CrossEntropy"))
            {
                double ratio = Train("a+Losses.CrossEntropy") / trainBase;
                goals.Add(new[]
                {
                    $"{model.Key}, training phase: the default loss (Losses.CrossEntropy) within 2% of nn.functional.cross_entropy in the raw loop",
                    $"{F(ratio, "0.000")}× (CPU {F(TrainCpu("a+Losses.CrossEntropy"), "0.000")}×)",
                    ratio >= 0.98 ? "yes" : $"NO: short by {F((0.98 - ratio) * 100, "0.0")} points",
                });
            }

            foreach (string key in new[] { "b+Progress", "b+Progress(live)" }.Where(Has))
            {
                double overhead = 1 - (Epoch(key) / Epoch("b"));
                double cpuOverhead = (EpochCpu(key) / EpochCpu("b")) - 1;
                goals.Add(new[] { $"{model.Key}: {key} costs < 1% of b's epoch (issue 7)", $"{F(overhead * 100, "+0.0;-0.0")}% (CPU {F(cpuOverhead * 100, "+0.0;-0.0")}%)", overhead < 0.01 ? "yes" : "NO" });
            }

            if (Has("b+GradAccum(2)"))
            {
                double ratio = Train("b+GradAccum(2)") / Train("b");
                goals.Add(new[] { $"{model.Key}: GradientAccumulation(2) training throughput vs b (no goal; half the steps, one CancelBatchException per other batch)", $"{F(ratio, "0.000")}×", "n/a" });
            }
        }

        page.Heading("Goals").Table(new[] { "goal", "measured", "met" }, goals);
        return page.Save(options.ResultsDir, "loop.md");
    }

    public static string WriteMemory(BenchArgs options, string command, (string, string)[] versions, MemorySoak.Result soak)
    {
        var page = new ResultsFile("Memory soak", command, versions);
        page.Paragraph(
            $"One {soak.Epochs}-epoch fit with {soak.Setup}; the data loader's garbage is collected and the C heap trimmed (malloc_trim) before the fit starts. After every epoch (a full GC first): the process's RSS, the managed heap (live objects, and what the GC has committed), " +
            "the number of methods JIT-compiled so far (tiered compilation keeps compiling hot methods again for a while, which costs code memory) and the live TorchSharp tensors " +
            $"(`Tensor.TotalCount`). At the start of the fit: RSS {F(soak.BaselineRssMiB, "0.0")} MiB, {soak.BaselineTensors} live tensors (the model's parameters and buffers, the data, the optimiser's state).");
        double first = soak.Points[0].RssMiB;
        page.Table(
            new[] { "epoch", "RSS (MiB)", "Δ vs epoch 1", "Δ vs start", "managed live (MiB)", "GC committed (MiB)", "methods JIT-compiled", "live tensors", "Δ tensors vs start", "epoch (s)" },
            soak.Points.Select(p => (IReadOnlyList<string>)new[]
            {
                p.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), F(p.RssMiB, "0.0"), $"{F((p.RssMiB - first) / first * 100, "+0.00;-0.00")}%", $"{F((p.RssMiB - soak.BaselineRssMiB) / soak.BaselineRssMiB * 100, "+0.00;-0.00")}%",
                F(p.ManagedMiB, "0.0"), F(p.GcCommittedMiB, "0.0"), p.JittedMethods.ToString(System.Globalization.CultureInfo.InvariantCulture), p.LiveTensors.ToString(System.Globalization.CultureInfo.InvariantCulture),
                (p.LiveTensors - soak.BaselineTensors).ToString("+0;-0;0", System.Globalization.CultureInfo.InvariantCulture), F(p.Seconds, "0.00"),
            }));
        double growth = (soak.Points[^1].RssMiB - first) / first;
        double second = soak.Points[Math.Min(1, soak.Points.Count - 1)].RssMiB;
        double growthAfterFirst = (soak.Points[^1].RssMiB - second) / second;
        long firstCount = soak.Points[0].LiveTensors;
        bool steady = soak.Points.All(p => p.LiveTensors == firstCount);
        long held = firstCount - soak.BaselineTensors;
        page.Paragraph($"Peak RSS during the fit: {F(soak.PeakMiB, "0.0")} MiB. Live tensors after the fit returned: {soak.TensorsAfterFit} ({soak.TensorsAfterFit - soak.BaselineTensors:+0;-0;0} vs the start). " +
            (held == 0 ? "No tensor is held from one epoch to the next." : $"{held} tensor(s) are held across epochs by design (state kept by callbacks for the whole fit, e.g. on-device accumulators) and released when the fit ends."));
        page.Heading("Goals").Table(new[] { "goal", "measured", "met" }, new[]
        {
            new[] { $"RSS growth from epoch 1 to epoch {soak.Epochs} ≤ 2%", $"{F(growth * 100, "+0.00;-0.00")}%", growth <= 0.02 ? "yes" : $"NO: over by {F((growth - 0.02) * 100, "0.00")} points" },
            new[] { $"(no goal) RSS growth from epoch 2 to epoch {soak.Epochs}: what is left once the first epoch's one-time allocations are made", $"{F(growthAfterFirst * 100, "+0.00;-0.00")}%", growthAfterFirst <= 0.02 ? "within 2%" : "over 2%" },
            new[] { "live tensors the same after every epoch (nothing accumulates)", steady ? $"always {firstCount}" : $"{firstCount} → {soak.Points[^1].LiveTensors} (max {soak.Points.Max(p => p.LiveTensors)})", steady ? "yes" : "NO" },
            new[] { "live tensors back to the start count when the fit returns", $"{soak.TensorsAfterFit} vs {soak.BaselineTensors}", soak.TensorsAfterFit == soak.BaselineTensors ? "yes" : "NO" },
        });
        return page.Save(options.ResultsDir, "memory.md");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
