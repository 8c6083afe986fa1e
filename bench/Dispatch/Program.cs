using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Dispatch;

// Runs DispatchBenchmarks with BenchmarkDotNet and writes bench/results/dispatch.md.
// In-process toolchain: BenchmarkDotNet's default would generate and build a project per run inside
// this repository, under its warnings-as-errors settings; in-process measures the same compiled code.
BenchArgs options = BenchArgs.Parse(args);

Job job = (options.Quick
        ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100))
        : Job.Default.WithWarmupCount(6).WithIterationCount(20).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250)))
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithId(options.Quick ? "Quick" : "Full");

IConfig config = ManualConfig.CreateMinimumViable()
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
    .WithArtifactsPath(Path.Combine(ResultsFile.RepositoryRoot(), "bench", "BenchmarkDotNet.Artifacts"));

Summary summary = BenchmarkRunner.Run<DispatchBenchmarks>(config);
if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
{
    Console.Error.WriteLine("Some benchmarks failed; no results written.");
    return 1;
}

long warmBytes = AllocationCheck.BytesPerMillionDispatches();
// The seed's own dispatch, in Python, right after the .NET figures, on the same machine.
PythonSeedRunner.Result? python = PythonSeedRunner.Run(options.Quick);
string path = DispatchReport.Write(summary, warmBytes, python, options);
Console.WriteLine($"Wrote {path}");
return 0;
