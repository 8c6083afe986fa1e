using System.Diagnostics;
using System.Globalization;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;
using TorchSharp;
using static TorchSharp.torch;

// Image-folder throughput (issue 20): the embedded Fashion-MNIST subset written as PNG folders, read
// by the loader alone and trained on by the main job's CNN, with and without loader threads, against
// the in-memory IDX path. Ratios are measured in this run.
if (args.Contains("--soak"))
{
    LoaderSoak.Run(BenchArgs.Parse(args.Where(a => a != "--soak").ToArray()));
    return;
}

var args2 = BenchArgs.Parse(args);
// The whole embedded subset (12,000 training and 2,000 validation images) in a full run, for the loader and the CNN alike.
int trainCount = args2.Quick ? 2_000 : FashionMnistData.EmbeddedTrainCount;
int validCount = args2.Quick ? 500 : FashionMnistData.EmbeddedTestCount;
const int BatchSize = 128;
int Rounds = args2.Quick ? 2 : 5;
int defaultThreads = get_num_threads();
string loadBefore = File.ReadAllText("/proc/loadavg").Trim();

string root = Directory.CreateTempSubdirectory("callbackgen-bench-data-").FullName;
try
{
    string folder = Path.Combine(root, "png");
    string embedded = FashionMnistData.FindEmbeddedSubset() ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset was not found.");
    ImageExport.Write(folder, new FashionMnistLocation(embedded, IsEmbeddedSubset: true, "the embedded subset"), trainCount, validCount, TextWriter.Null);
    Console.WriteLine($"wrote {trainCount} + {validCount} PNGs to {folder}");

    var grey = new ImageOptions { Mode = ImageMode.Grayscale, Size = (28, 28) };

    // 1. The loader alone, decoding every image every epoch (no cache): what the threads are for.
    double LoaderSeconds(int workers)
    {
        var images = new ImageFolderDataset(Path.Combine(folder, "train"), grey with { CacheDecoded = false });
        using DataLoader dl = DataLoader.FromDataset(images, BatchSize, new RandomSampler(images.Count, new Generator(1)), workers);
        var clock = Stopwatch.StartNew();
        using IEnumerator<Batch> e = dl.GetEnumerator();
        while (true)
        {
            using var scope = NewDisposeScope();
            if (!e.MoveNext())
            {
                break;
            }
        }

        return clock.Elapsed.TotalSeconds;
    }

    var loaderRows = new List<string[]>();
    double single = Median(Enumerable.Range(0, 3).Select(_ => LoaderSeconds(0)));
    loaderRows.Add(["single-threaded (workers 0)", F(single), F(trainCount / single, "N0"), "1.00x"]);
    foreach (int workers in new[] { 1, 2 })
    {
        double threaded = Median(Enumerable.Range(0, 3).Select(_ => LoaderSeconds(workers)));
        loaderRows.Add([$"prefetching (workers {workers})", F(threaded), F(trainCount / threaded, "N0"), F(single / threaded, "0.00") + "x"]);
        Console.WriteLine($"loader: workers 0 {single:F2} s, workers {workers} {threaded:F2} s");
    }

    // 2. CNN epochs (training and validation) on the whole subset. One learner per set-up, all seeded alike; the set-ups
    // take turns, one epoch each per round, the order rotated every round, so drift in the shared machine's speed falls
    // on all of them alike. Round 0 warms up (JIT, allocator, the cache's first decode); the median of the rest is reported.
    using MnistData all = MnistFolder.Load(embedded);
    using MnistData idx = all.Take(trainCount, validCount);
    float mean = idx.TrainImages.mean().item<float>();
    float std = idx.TrainImages.std().item<float>();
    long[] shape = Models.InputShape(ModelKind.Cnn);

    var setups = new List<Setup>();
    Setup Add(string key, string name, int threads, Func<DataBunch> bunch, Callback[] transforms)
    {
        manual_seed(42);
        DataBunch data = bunch();
        var model = Models.Create(ModelKind.Cnn);
        var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.AdamW(), lr: 1e-3, cbs: transforms, metrics: [Metric.Accuracy]);
        var setup = new Setup(key, name, threads, data, model, learn);
        setups.Add(setup);
        return setup;
    }

    void AddIdx(string key, int threads) => Add(key, "IDX, in memory (fast path)", threads, () => idx.ToDataBunch(BatchSize, generator: new Generator(42)),
        [new BatchTransform(x => ((x - mean) / std).view(shape))]);
    void AddImages(string key, bool cache, int workers, int threads)
    {
        var data = ImageFolderData.FromFolder(folder, grey with { CacheDecoded = cache });
        Normalize normalize = data.Normalize(); // decodes (and, with the cache, keeps) every training image
        Add(key, $"PNG folder, {(cache ? "cached" : "no cache")}, workers {workers}", threads,
            () => data.ToDataBunch(BatchSize, generator: new Generator(42), workers: workers), [normalize, new BatchTransform(x => x.view(shape))]);
    }

    AddIdx("idx", defaultThreads);
    AddImages("w0", cache: false, workers: 0, defaultThreads);
    AddImages("w1", cache: false, workers: 1, defaultThreads);
    AddImages("w2", cache: false, workers: 2, defaultThreads);
    AddImages("c0", cache: true, workers: 0, defaultThreads);
    AddImages("c1", cache: true, workers: 1, defaultThreads);
    AddIdx("idx/1", 1);
    AddImages("w0/1", cache: false, workers: 0, 1);
    AddImages("w1/1", cache: false, workers: 1, 1);
    for (int round = 0; round <= Rounds; round++)
    {
        for (int k = 0; k < setups.Count; k++)
        {
            Setup setup = setups[(round + k) % setups.Count];
            set_num_threads(setup.Threads);
            GC.Collect();
            var clock = new CpuStopwatch();
            clock.Start();
            setup.Learn.Fit(1);
            clock.Stop();
            set_num_threads(defaultThreads);
            if (round > 0)
            {
                setup.Seconds.Add(clock.Elapsed.TotalSeconds);
                setup.CpuSeconds.Add(clock.CpuTime.TotalSeconds);
            }

            Console.WriteLine($"round {round} {setup.Key}: {clock.Elapsed.TotalSeconds:F2} s (CPU {clock.CpuTime.TotalSeconds:F2} s)");
        }
    }

    string loadAfter = File.ReadAllText("/proc/loadavg").Trim();
    Setup S(string key) => setups.Single(s => s.Key == key);
    var epochRows = setups.Select(s => new[]
    {
        s.Name, s.Threads.ToString(CultureInfo.InvariantCulture), F(Median(s.Seconds)), F(s.Seconds.Min()) + " – " + F(s.Seconds.Max()), F(Median(s.CpuSeconds)),
        F(s.Learn.ValidStats!["accuracy"] * 100, "0.00") + " %",
    }).ToList();

    // A ratio of epoch times: the median over rounds, and the range of the per-round ratios (the two ran in the same round).
    string[] Ratio(string label, string slow, string fast, string goal)
    {
        double[] perRound = S(slow).Seconds.Zip(S(fast).Seconds, (x, y) => x / y).ToArray();
        return [label, F(Median(S(slow).Seconds) / Median(S(fast).Seconds), "0.00") + "x", F(perRound.Min(), "0.00") + " – " + F(perRound.Max(), "0.00"), goal];
    }

    var page = new ResultsFile("Image-folder loader", "dotnet run -c Release --project bench/Data" + (args2.Quick ? " -- --quick" : string.Empty),
        ("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"), ("Mode", args2.Mode),
        ("Load average (1, 5, 15 min) before / after", $"{loadBefore} / {loadAfter}"));
    page.Paragraph(string.Create(CultureInfo.InvariantCulture,
        $"The embedded Fashion-MNIST subset written as PNG folders, read grey at 28 x 28: {trainCount:N0} training and {validCount:N0} validation images, for the loader alone and for the CNN (the main job's, AdamW, lr 1e-3, accuracy on validation) alike. Batch size {BatchSize}. ")
        + $"The CNN set-ups take turns, one epoch (training and validation) each per round, the order rotated every round; round 0 warms up and the table gives the median and range over the {Rounds} rounds after it, and each set-up's accuracy after its {Rounds + 1} epochs (the same seed and epoch count for all). "
        + "Goals (issue 20): prefetching at least 1.5x the single-threaded loader's throughput, and an image-folder epoch within 1.3x of the in-memory IDX epoch. "
        + "\"No cache\" decodes every image every epoch (the per-sample work the loader threads take off the training thread); \"cached\" keeps the decoded bytes (computing the training statistics before the first epoch has already decoded every training image). "
        + "On 2 cores the training step itself uses both cores with libtorch's default threads, so loader threads compete with it; with one libtorch thread the decoding runs on the other core.");
    page.Paragraph("Reading the goals: the loader's own throughput (the first table) is what prefetching multiplies; in a CNN epoch the loader's share bounds the gain "
        + "(the row \"what decoding costs the epoch\" below), and with libtorch on both cores there is no idle core for the loader threads to use.");
    page.Heading("The loader alone (decoding every image every epoch), median of 3 epochs")
        .Table(["loader", "epoch (s)", "images/s", "vs single"], loaderRows);
    page.Heading("CNN epochs (training + validation)")
        .Table(["data", "torch threads", "median epoch (s)", "range (s)", "median CPU (s)", "accuracy"], epochRows);
    string T = $"{defaultThreads} torch thread(s)";
    page.Heading("Ratios of epoch times")
        .Table(["comparison", "ratio of medians", "per-round range", "goal"],
        [
            Ratio($"no cache, {T}: workers 0 / workers 1", "w0", "w1", ">= 1.5x"),
            Ratio($"no cache, {T}: workers 0 / workers 2", "w0", "w2", ">= 1.5x"),
            Ratio("no cache, 1 torch thread: workers 0 / workers 1", "w0/1", "w1/1", ">= 1.5x"),
            Ratio($"cached, {T}: workers 0 / workers 1", "c0", "c1", "-"),
            Ratio($"{T}: no cache, workers 0 / cached, workers 0 (what decoding costs the epoch: the most that hiding it could gain)", "w0", "c0", "-"),
            Ratio($"no cache, workers 0, {T} / IDX", "w0", "idx", "<= 1.3x"),
            Ratio($"no cache, workers 1, {T} / IDX", "w1", "idx", "<= 1.3x"),
            Ratio("no cache, workers 1, 1 torch thread / IDX, 1 torch thread", "w1/1", "idx/1", "<= 1.3x"),
            Ratio($"cached, workers 0, {T} / IDX", "c0", "idx", "<= 1.3x"),
        ]);
    foreach (Setup setup in setups)
    {
        setup.Dispose();
    }

    Console.WriteLine(page.Save(args2.ResultsDir, "data.md"));
}
finally
{
    Directory.Delete(root, recursive: true);
}

static double Median(IEnumerable<double> values)
{
    double[] v = values.Order().ToArray();
    return v[v.Length / 2];
}

static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

internal sealed record Setup(string Key, string Name, int Threads, DataBunch Data, IDisposable Model, Learner Learn) : IDisposable
{
    public List<double> Seconds { get; } = [];

    public List<double> CpuSeconds { get; } = [];

    public void Dispose()
    {
        Learn.Dispose();
        Model.Dispose();
        Data.Dispose();
    }
}
