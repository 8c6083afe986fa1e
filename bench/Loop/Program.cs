using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Loop;
using static TorchSharp.torch;

// Whole-run timing of the training loop (Stopwatch around each epoch, not BenchmarkDotNet: one epoch
// is seconds of libtorch work, and what matters is the loop's cost around it) and the memory soak.
// Writes bench/results/loop.md and bench/results/memory.md.
BenchArgs options = BenchArgs.Parse(args);
const int BatchSize = 64;
const long Seed = 20261129;
set_num_threads(1);
set_num_interop_threads(1);

var config = options.Quick
    ? new { Rounds = 2, TrainLimit = (long?)6_400, ValidLimit = (long?)1_000, SoakModel = "MLP" }
    : new { Rounds = 5, TrainLimit = (long?)null, ValidLimit = (long?)null, SoakModel = "CNN" };

void Log(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

// The soak first, in a process that has not yet run anything else, so its RSS curve is its own.
// The main job's setup: the embedded subset (what a fresh clone trains on); quick mode takes a slice.
MemorySoak.Result soak;
string soakData;
using (FashionMnist subset = options.Quick ? FashionMnist.Load(2_000, 500) : FashionMnist.LoadEmbeddedSubset())
{
    soakData = $"{subset.Description}: {subset.TrainCount:N0} training / {subset.ValidCount:N0} validation samples";
    Log($"Memory soak: {config.SoakModel}, 20 epochs on {soakData}");
    soak = MemorySoak.Run(config.SoakModel, subset, epochs: 20, BatchSize, Seed);
}

var raw = new RawLoop();
// Diagnostic: the Learner with only TrainEval, to split b's cost into the loop's own and its default callbacks'.
var loopOnly = new LearnerVariant("b0", "b with its default AvgStatsCallback and TerminateOnNaN removed (TrainEval only): the loop's own cost", () => Array.Empty<Callback>(),
    configure: learn =>
    {
        learn.Remove(learn.Get<AvgStatsCallback>()!);
        learn.Remove(learn.Get<TerminateOnNaN>()!);
    });
var barebones = new LearnerVariant("b", "CallbackGen Learner, barebones", () => Array.Empty<Callback>());
var standard = new LearnerVariant("c", "CallbackGen Learner, standard stack", () => StandardStack.Create(LoopVariant.Lr), withMetrics: true);
// One callback each on top of b, priced on the fast epoch (the MLP's): Progress (issue 7's < 1% goal) and GradientAccumulation.
var progressPlain = new LearnerVariant("b+Progress", "b plus Progress with its output redirected (plain: one line per epoch)", () => new Callback[] { new CallbackGen.Progress(TextWriter.Null) });
var progressLive = new LearnerVariant("b+Progress(live)", "b plus Progress's live bar and epoch table, rendered to a discarded terminal", () => new Callback[] { new CallbackGen.Progress(TextWriter.Null, live: true) });
var accumulation = new LearnerVariant("b+GradAccum(2)", "b plus GradientAccumulation(2): the same forward and backward passes, half the optimiser steps", () => new Callback[] { new GradientAccumulation(2) });
var perModel = new (string Model, LoopVariant[] Variants)[]
{
    ("MLP", new LoopVariant[] { raw, barebones, standard, loopOnly, progressPlain, progressLive, accumulation }),
    ("CNN", new LoopVariant[] { raw, barebones, standard, loopOnly }),
};

var bench = new ThroughputBenchmark(config.Rounds, BatchSize, Seed);
string dataDescription;
long trainCount, validCount;
using (FashionMnist data = FashionMnist.Load(config.TrainLimit, config.ValidLimit))
{
    dataDescription = data.Description;
    trainCount = data.TrainCount;
    validCount = data.ValidCount;
    Log($"Data: {data.Description}, {data.TrainCount} train / {data.ValidCount} valid");
    ProcessMemory.Trim(); // the loader's garbage would otherwise sit in the first epochs' RSS
    foreach (var (model, variants) in perModel)
    {
        bench.Run(model, data, variants, Log);
    }
}

var versions = new[]
{
    ("TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3)),
    ("libtorch threads", $"{get_num_threads()} intra-op, {get_num_interop_threads()} inter-op"),
    ("Mode", options.Mode),
};
string command = "dotnet run -c Release --project bench/Loop" + (options.Quick ? " -- --quick" : string.Empty);
string loopPath = LoopReport.WriteThroughput(options, command, versions, bench, perModel.SelectMany(m => m.Variants).Distinct().ToArray(), dataDescription, trainCount, validCount, BatchSize);
string memoryPath = LoopReport.WriteMemory(options, command, versions, soak, soakData);
Log($"Wrote {loopPath} and {memoryPath}");
