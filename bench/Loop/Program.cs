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
    ? new { Rounds = 2, TrainLimit = (long?)6_400, ValidLimit = (long?)1_000, SoakModel = "MLP", SoakTrain = 2_000L, SoakValid = 500L }
    : new { Rounds = 5, TrainLimit = (long?)null, ValidLimit = (long?)null, SoakModel = "CNN", SoakTrain = 12_000L, SoakValid = 2_000L };

void Log(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

// The soak first, in a process that has not yet run anything else, so its RSS curve is its own.
MemorySoak.Result soak;
using (FashionMnist subset = FashionMnist.Load(config.SoakTrain, config.SoakValid))
{
    Log($"Memory soak: {config.SoakModel}, 20 epochs on {subset.TrainCount}/{subset.ValidCount}");
    soak = MemorySoak.Run(config.SoakModel, subset, epochs: 20, BatchSize, Seed);
}

var barebones = new BarebonesLearner();
var standard = new StandardStackLearner();
var variants = new LoopVariant[] { new RawLoop(), barebones, standard };
var bench = new ThroughputBenchmark(variants, config.Rounds, BatchSize, Seed);
string dataDescription;
long trainCount, validCount;
using (FashionMnist data = FashionMnist.Load(config.TrainLimit, config.ValidLimit))
{
    dataDescription = data.Description;
    trainCount = data.TrainCount;
    validCount = data.ValidCount;
    Log($"Data: {data.Description}, {data.TrainCount} train / {data.ValidCount} valid");
    foreach (string model in new[] { "MLP", "CNN" })
    {
        bench.Run(model, data, Log);
    }
}

var versions = new[]
{
    ("TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3)),
    ("libtorch threads", $"{get_num_threads()} intra-op, {get_num_interop_threads()} inter-op"),
    ("Mode", options.Mode),
};
string command = "dotnet run -c Release --project bench/Loop" + (options.Quick ? " -- --quick" : string.Empty);
string loopPath = LoopReport.WriteThroughput(options, command, versions, bench, variants, barebones, standard, dataDescription, trainCount, validCount, BatchSize);
string memoryPath = LoopReport.WriteMemory(options, command, versions, soak, config.SoakTrain, config.SoakValid);
Log($"Wrote {loopPath} and {memoryPath}");
