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
var args2 = BenchArgs.Parse(args);
// The loader alone reads the whole subset; the CNN trains on its first images (a CNN epoch on all 12,000 takes
// minutes on 2 shared cores, and the ratios do not depend on the count).
int trainCount = args2.Quick ? 2_000 : FashionMnistData.EmbeddedTrainCount;
int validCount = args2.Quick ? 500 : FashionMnistData.EmbeddedTestCount;
int cnnTrain = args2.Quick ? 1_000 : 3_000;
int cnnValid = args2.Quick ? 250 : 500;
const int BatchSize = 128;
const int Workers = 2;
const int MaxEpochs = 2;
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
    double threaded = Median(Enumerable.Range(0, 3).Select(_ => LoaderSeconds(Workers)));
    loaderRows.Add(["single-threaded (workers 0)", F(single), F(trainCount / single, "N0"), "1.00x"]);
    loaderRows.Add([$"prefetching (workers {Workers})", F(threaded), F(trainCount / threaded, "N0"), F(single / threaded, "0.00") + "x"]);
    Console.WriteLine($"loader: {single:F2} s vs {threaded:F2} s");

    // 2. CNN epochs (training and validation), seeded alike, on the first images of each part.
    string cnnFolder = Path.Combine(root, "png-cnn");
    ImageExport.Write(cnnFolder, new FashionMnistLocation(embedded, IsEmbeddedSubset: true, "the embedded subset"), cnnTrain, cnnValid, TextWriter.Null);
    double Epochs(string name, Func<DataBunch> bunch, Callback[] transforms, int epochs, List<string[]> rows)
    {
        manual_seed(42);
        using DataBunch data = bunch();
        using var model = Models.Create(ModelKind.Cnn);
        using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.AdamW(), lr: 1e-3, cbs: transforms, metrics: [Metric.Accuracy]);
        var times = new List<double>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            learn.Fit(1);
            times.Add(clock.Elapsed.TotalSeconds);
        }

        double accuracy = learn.ValidStats!["accuracy"];
        rows.Add([name, .. times.Select(t => F(t)), .. Enumerable.Repeat("-", MaxEpochs - times.Count), F(accuracy * 100, "0.00") + " %"]);
        Console.WriteLine($"{name}: {string.Join(", ", times.Select(t => F(t)))} s");
        return times[^1];
    }

    var epochRows = new List<string[]>();
    using MnistData all = MnistFolder.Load(embedded);
    using MnistData idx = all.Take(cnnTrain, cnnValid);
    float mean = idx.TrainImages.mean().item<float>();
    float std = idx.TrainImages.std().item<float>();
    long[] shape = Models.InputShape(ModelKind.Cnn);
    double idxEpoch = Epochs("IDX, in memory (fast path)", () => idx.ToDataBunch(BatchSize, generator: new Generator(42)),
        [new BatchTransform(x => ((x - mean) / std).view(shape))], MaxEpochs, epochRows); // its first epoch also warms up the process

    double ImageEpochs(string name, bool cache, int workers)
    {
        var data = ImageFolderData.FromFolder(cnnFolder, grey with { CacheDecoded = cache });
        Normalize normalize = data.Normalize(); // decodes (and, with the cache, keeps) every training image
        return Epochs(name, () => data.ToDataBunch(BatchSize, generator: new Generator(42), workers: workers),
            [normalize, new BatchTransform(x => x.view(shape))], 1, epochRows);
    }

    double coldSingle = ImageEpochs("PNG folder, no cache, workers 0", cache: false, workers: 0);
    double coldThreaded = ImageEpochs($"PNG folder, no cache, workers {Workers}", cache: false, workers: Workers);
    double warmSingle = ImageEpochs("PNG folder, cached, workers 0", cache: true, workers: 0);
    double warmThreaded = ImageEpochs($"PNG folder, cached, workers {Workers}", cache: true, workers: Workers);
    string loadAfter = File.ReadAllText("/proc/loadavg").Trim();

    var page = new ResultsFile("Image-folder loader", "dotnet run -c Release --project bench/Data" + (args2.Quick ? " -- --quick" : string.Empty),
        ("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"), ("Mode", args2.Mode),
        ("Load average (1, 5, 15 min) before / after", $"{loadBefore} / {loadAfter}"));
    page.Paragraph(string.Create(CultureInfo.InvariantCulture,
        $"The embedded Fashion-MNIST subset written as PNG folders, read grey at 28 x 28: the loader alone reads {trainCount:N0} training images; the CNN trains on the first {cnnTrain:N0} and validates on the first {cnnValid:N0} (IDX and PNG alike). Batch size {BatchSize}; {get_num_threads()} torch thread(s). ")
        + "Goals (issue 20): prefetching at least 1.5x the single-threaded loader's throughput, and an image-folder epoch within 1.3x of the in-memory IDX epoch. "
        + "\"No cache\" decodes every image every epoch (the per-sample work the loader threads take off the training thread); \"cached\" keeps the decoded bytes, and computing the training statistics "
        + "before the first epoch has already decoded every training image (validation images are decoded in epoch 1). The machine is shared: see the load average above.");
    page.Heading("The loader alone (decoding every image every epoch), median of 3 epochs")
        .Table(["loader", "epoch (s)", "images/s", "vs single"], loaderRows);
    page.Heading("CNN epochs (training + validation), wall seconds; the IDX run's second epoch is the baseline (its first warms the process up)")
        .Table(["data", .. Enumerable.Range(1, MaxEpochs).Select(e => $"epoch {e} (s)"), "accuracy"], epochRows);
    page.Heading("Ratios (last epoch)")
        .Table(["comparison", "ratio", "goal"],
        [
            ["no cache: workers 0 / workers " + Workers + " (epoch time)", F(coldSingle / coldThreaded, "0.00") + "x", ">= 1.5x"],
            ["cached: workers 0 / workers " + Workers + " (epoch time)", F(warmSingle / warmThreaded, "0.00") + "x", "-"],
            ["no cache, workers " + Workers + " / IDX (epoch time)", F(coldThreaded / idxEpoch, "0.00") + "x", "<= 1.3x"],
            ["cached, workers " + Workers + " / IDX (epoch time)", F(warmThreaded / idxEpoch, "0.00") + "x", "<= 1.3x"],
        ]);
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
