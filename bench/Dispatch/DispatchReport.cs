using BenchmarkDotNet.Reports;
using static CallbackGen.Benchmarks.ResultsFile;

namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>Turns the BenchmarkDotNet summary into bench/results/dispatch.md, with the ratios and the goals checked.</summary>
internal static class DispatchReport
{
    private sealed record Row(string Category, string Method, string Description, double MeanNs, double StdDevNs, double MedianNs, long? Bytes);

    public static string Write(Summary summary, long warmBytes, PythonSeedRunner.Result? python, BenchArgs options)
    {
        List<Row> rows = summary.Reports.Select(r => new Row(
            r.BenchmarkCase.Descriptor.Categories.Single(),
            r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
            r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
            r.ResultStatistics!.Mean,
            r.ResultStatistics.StandardDeviation,
            r.ResultStatistics.Median,
            r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase))).ToList();

        var page = new ResultsFile(
            "Dispatch benchmark",
            "dotnet run -c Release --project bench/Dispatch" + (options.Quick ? " -- --quick" : string.Empty),
            ("BenchmarkDotNet", typeof(Summary).Assembly.GetName().Version!.ToString(3)),
            ("Mode", options.Mode + ", in-process toolchain"));

        page.Paragraph(
            "The same five callback objects and the same handler methods (each `Hits++`, marked `NoInlining` because a real handler is too big to inline) " +
            "reached five ways: **a** hand-written direct calls (the baseline); **b** CallbackGen: real `[Callback]` partial classes compiled with the repository's generator, " +
            "dispatched by the runtime's own `EventDispatcher`; **c** Keras/Lightning-style virtual methods on a base class, every callback called for every event; " +
            "**d** `MethodInfo.Invoke` on methods resolved once; **e** fastai's `getattr`: `GetMethod(name)` then `Invoke` on every call. " +
            "Ratio = mean / the baseline's mean in the same run. **b′** is not the product: a prototype of the change that would close the gap to direct calls (bench/Dispatch/DelegateTablePrototype.cs).");

        Section(page, rows, DispatchBenchmarks.OneEvent, "One event, 5 handlers", "`AfterBatch` dispatched to 5 callbacks that all handle it.");
        Section(page, rows, DispatchBenchmarks.ElevenEvents, "The 11 training events, 5 callbacks handling 2-3 each",
            "`BeforeFit` … `AfterBatch` (the 11 training events of the catalogue) fired once each; 15 handlers in all. The virtual design makes 55 calls, 40 of them no-ops.");
        Section(page, rows, DispatchBenchmarks.LearnerBatch, "One training batch as the Learner runs it",
            "The 8 events of a training batch fired through the real phase helper (`Run(Batch)` around `AfterPred`, `AfterLoss`, `Run(Backward)`, `Run(Step)`: " +
            "the cancel scopes and delegates `Learner` uses), against the same 12 handlers called directly.");

        Row Get(string method) => rows.Single(r => r.Method == method);
        var goals = new List<IReadOnlyList<string>>();
        if (python is not null)
        {
            double oneB = Get(nameof(DispatchBenchmarks.OneEventGenerated)).MeanNs;
            double elevenB = Get(nameof(DispatchBenchmarks.ElevenGenerated)).MeanNs / 11;
            page.Heading("Against the seed's Python Runner").Paragraph(
                $"bench/Python/seed_runner_dispatch.py, run by this program right after the .NET benchmarks ({python.Python}): the lesson's `Runner.__call__` " +
                "(callbacks sorted by `_order` on every event, `getattr(cb, name, None)` on every callback, a missing handler falling through `Callback.__getattr__` to the runner), " +
                "the same five callbacks handling the same events, handlers `self.hits += 1`; the median of the script's timings (7 in a full run). No torch: the dispatch alone.").Table(
                new[] { "workload", "seed Runner, Python (ns/event)", "CallbackGen generated (ns/event)", "CallbackGen faster by" },
                new[]
                {
                    (IReadOnlyList<string>)new[] { "one event, 5 handlers", F(python.OneEventNs, "0"), F(oneB, "0.00"), F(python.OneEventNs / oneB, "0") + "×" },
                    new[] { "11 training events, 15 handlers (per event)", F(python.PerEventEleven, "0"), F(elevenB, "0.00"), F(python.PerEventEleven / elevenB, "0") + "×" },
                });
            foreach (var (label, seed, ours) in new[] { ("one event", python.OneEventNs, oneB), ("11 events", python.PerEventEleven, elevenB) })
            {
                double r = seed / ours;
                goals.Add(new[] { $"b ≥ 50× faster per event than the seed's Python Runner ({label})", $"{F(r, "0")}×", Verdict(r >= 50, $"short by {F(50 / r, "0.0")}×") });
            }
        }
        else
        {
            page.Paragraph("The seed's Python Runner was not measured: no python3 was found (see the program's error output).");
        }

        foreach (var (label, direct, generated, getattr) in new[]
        {
            ("one event", nameof(DispatchBenchmarks.OneEventDirect), nameof(DispatchBenchmarks.OneEventGenerated), nameof(DispatchBenchmarks.OneEventGetAttr)),
            ("11 events", nameof(DispatchBenchmarks.ElevenDirect), nameof(DispatchBenchmarks.ElevenGenerated), nameof(DispatchBenchmarks.ElevenGetAttr)),
        })
        {
            double vsDirect = Get(generated).MeanNs / Get(direct).MeanNs;
            double vsGetattr = Get(getattr).MeanNs / Get(generated).MeanNs;
            goals.Add(new[] { $"b ≤ 1.5× a ({label})", $"{F(vsDirect, "0.00")}×", Verdict(vsDirect <= 1.5, $"over by {F(vsDirect / 1.5, "0.00")}×") });
            goals.Add(new[] { $"b ≥ 20× faster than e ({label})", $"{F(vsGetattr, "0")}×", Verdict(vsGetattr >= 20, $"short by {F(20 / vsGetattr, "0.0")}×") });
        }

        foreach (var (label, direct, proto) in new[]
        {
            ("one event", nameof(DispatchBenchmarks.OneEventDirect), nameof(DispatchBenchmarks.OneEventPrototype)),
            ("11 events", nameof(DispatchBenchmarks.ElevenDirect), nameof(DispatchBenchmarks.ElevenPrototype)),
        })
        {
            double r = Get(proto).MeanNs / Get(direct).MeanNs;
            goals.Add(new[] { $"(not a goal) prototype b′ vs a ({label})", $"{F(r, "0.00")}×", r <= 1.5 ? "would meet b ≤ 1.5× a" : "would not meet b ≤ 1.5× a" });
        }

        long worst = rows.Where(r => r.Method.Contains("Generated", StringComparison.Ordinal)).Max(r => r.Bytes ?? long.MaxValue);
        goals.Add(new[] { "b allocates 0 B (BenchmarkDotNet, every workload)", $"{worst} B/op", Verdict(worst == 0, "allocates") });
        goals.Add(new[] { "b allocates 0 B (1,000,000 warm dispatches of the 11 events + a Learner batch, GC.GetAllocatedBytesForCurrentThread)", $"{warmBytes} B", Verdict(warmBytes == 0, "allocates") });
        page.Heading("Goals").Table(new[] { "goal", "measured", "met" }, goals);
        return page.Save(options.ResultsDir, "dispatch.md");
    }

    private static void Section(ResultsFile page, List<Row> rows, string category, string heading, string what)
    {
        List<Row> mine = rows.Where(r => r.Category == category).OrderBy(r => r.Description, StringComparer.Ordinal).ToList();
        double baseline = mine.Single(r => r.Description.StartsWith("a.", StringComparison.Ordinal)).MeanNs;
        page.Heading(heading).Paragraph(what).Table(
            new[] { "variant", "mean (ns/op)", "stddev", "median", "ratio", "allocated" },
            mine.Select(r => (IReadOnlyList<string>)new[]
            {
                r.Description, F(r.MeanNs, "0.00"), F(r.StdDevNs, "0.00"), F(r.MedianNs, "0.00"),
                F(r.MeanNs / baseline, "0.00") + "×", r.Bytes is long b ? $"{b} B" : "?",
            }));
    }

    private static string Verdict(bool met, string otherwise) => met ? "yes" : "NO: " + otherwise;
}
