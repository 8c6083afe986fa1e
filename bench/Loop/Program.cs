using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Data;
using CallbackGen.Benchmarks.Loop;
using static TorchSharp.torch;

// Whole-run timing of the training loop (Stopwatch around each epoch, not BenchmarkDotNet: one epoch
// is seconds of libtorch work, and what matters is the loop's cost around it) and the memory soak.
// Writes bench/results/loop.md and bench/results/memory.md.
const int BatchSize = 64;
const long Seed = 20261129;
set_num_threads(1);
set_num_interop_threads(1);

// Profiling aid: `--profile KEY MODEL EPOCHS` runs only that variant (after one warm-up epoch), for `perf record`.
if (args.Length == 4 && args[0] == "--profile")
{
    using FashionMnist profileData = FashionMnist.Load();
    LoopVariant chosen = Variants.All().Single(v => v.Key == args[1]);
    chosen.Run(args[2], profileData, BatchSize, Seed).Dispose();
    for (int i = 0; i < int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture); i++)
    {
        using EpochRun run = chosen.Run(args[2], profileData, BatchSize, Seed);
        Console.WriteLine($"{chosen.Key} {args[2]}: {run.Seconds:0.000} s (CPU {run.CpuSeconds:0.000} s)");
    }

    return;
}

// `--soak-only [--quick]`: issue 11's memory soak by itself (writes memory.md only).
// `--no-soak`: the throughput benchmark alone (loop.md only).
bool soakOnly = args.Contains("--soak-only");
bool noSoak = args.Contains("--no-soak");
BenchArgs options = BenchArgs.Parse(args.Where(a => a is not ("--soak-only" or "--no-soak")).ToArray());

var config = options.Quick
    ? new { Rounds = 2, TrainLimit = (long?)6_400, ValidLimit = (long?)1_000 }
    : new { Rounds = 11, TrainLimit = (long?)null, ValidLimit = (long?)null };

void Log(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

// The soak first, in a process that has not yet run anything else, so its RSS curve is its own.
// The main job's set-up on the embedded subset (what a fresh clone trains on); quick mode: its MLP on a slice.
string subsetFolder = FashionMnistData.FindEmbeddedSubset(ResultsFile.RepositoryRoot())
    ?? throw new DirectoryNotFoundException($"The embedded subset {FashionMnistData.EmbeddedSubsetPath} is missing.");
var versions = new[]
{
    ("TorchSharp", typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3)),
    ("libtorch threads", $"{get_num_threads()} intra-op, {get_num_interop_threads()} inter-op"),
    ("Mode", options.Mode),
};
string quickFlag = options.Quick ? "--quick" : string.Empty;
if (!noSoak)
{
    Log("Memory soak: 20 epochs of the main job's set-up");
    MemorySoak.Result soak = options.Quick
        ? MemorySoak.Run(subsetFolder, CallbackGen.Samples.FashionMnist.ModelKind.Mlp, epochs: 20, trainLimit: 2_000, validLimit: 500)
        : MemorySoak.Run(subsetFolder, CallbackGen.Samples.FashionMnist.ModelKind.Cnn, epochs: 20, trainLimit: null, validLimit: null);
    string memoryPath = LoopReport.WriteMemory(options, Command(quickFlag, soakOnly ? "--soak-only" : string.Empty), versions, soak);
    Log($"Wrote {memoryPath}");
}

if (soakOnly)
{
    return;
}

var perModel = new (string Model, LoopVariant[] Variants)[]
{
    ("MLP", Variants.All().ToArray()),
    ("CNN", new LoopVariant[] { Variants.Raw, Variants.Defaults, Variants.WithAccuracy, Variants.Standard }),
};

var bench = new ThroughputBenchmark(config.Rounds, BatchSize, Seed);
string dataDescription;
long trainCount, validCount;
using (FashionMnist data = FashionMnist.Load(config.TrainLimit, config.ValidLimit, fullSize: !options.Quick))
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

string loopPath = LoopReport.WriteThroughput(options, Command(quickFlag, noSoak ? "--no-soak" : string.Empty), versions, bench, perModel.SelectMany(m => m.Variants).Distinct().ToArray(), dataDescription, trainCount, validCount, BatchSize);
Log($"Wrote {loopPath}");

// The command line that reproduces a page, as its header says.
static string Command(params string[] flags)
{
    string[] given = flags.Where(f => f.Length > 0).ToArray();
    return "dotnet run -c Release --project bench/Loop" + (given.Length > 0 ? " -- " + string.Join(' ', given) : string.Empty);
}
