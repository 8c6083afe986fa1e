using System.Diagnostics;
using System.Globalization;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// <c>dotnet run -c Release --project bench/Data -- --soak</c>: the check for the race in docs/data.md ("Why a loader
/// thread must not allocate"). A small CNN with BatchNorm and AdamW (the calls that made implicit scalars fail) trains
/// epoch after epoch on PNG folders while loader threads decode every image (no cache); then the same next to a thread
/// that decodes with SkiaSharp's classes, which allocate for every image as the loader threads did before: what the
/// race does to this TorchSharp build when another thread allocates.
/// </summary>
internal static class LoaderSoak
{
    private const int Epochs = 300;
    private const int BatchSize = 16;

    public static void Run(BenchArgs options)
    {
        string root = Directory.CreateTempSubdirectory("callbackgen-bench-soak-").FullName;
        try
        {
            string folder = Path.Combine(root, "png");
            string embedded = FashionMnistData.FindEmbeddedSubset() ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset was not found.");
            ImageExport.Write(folder, new FashionMnistLocation(embedded, IsEmbeddedSubset: true, "the embedded subset"), 600, 100, TextWriter.Null);
            int epochs = options.Quick ? 30 : Epochs;
            var rows = new List<string[]>
            {
                Soak("2 loader threads, no cache", folder, epochs, workers: 2, allocatingNeighbour: false),
                Soak("1 loader thread, no cache", folder, epochs, workers: 1, allocatingNeighbour: false),
                Soak("no loader thread; a thread decoding with SkiaSharp's classes alongside", folder, epochs, workers: 0, allocatingNeighbour: true),
                Soak("2 loader threads over a dataset of your own that decodes with SkiaSharp's classes", folder, epochs, workers: 2, allocatingNeighbour: false, ownDataset: true),
            };

            var page = new ResultsFile("Loader-thread soak", "dotnet run -c Release --project bench/Data -- --soak" + (options.Quick ? " --quick" : string.Empty),
                ("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"), ("Mode", options.Mode));
            page.Paragraph(string.Create(CultureInfo.InvariantCulture,
                $"600 training and 100 validation images of the embedded subset as PNG folders (grey, 28 x 28, no cache: every image decoded every epoch), batch size {BatchSize}; ")
                + "a CNN with BatchNorm, AdamW (lr 1e-3), one `Fit(1)` after another for up to the given epochs, each set-up from the same seed. "
                + "A failure is the first exception (libtorch's scalar checks: \"Unknown scalar type\", \"alpha must not be a floating point number\"). "
                + "The last two rows are controls: a background thread that decodes the same files with SkiaSharp's classes (allocating for every image) next to a fit without loader threads; "
                + "and an `IDataset<Sample>` of your own that decodes with SkiaSharp's classes and makes its sample tensors on the loader threads (what docs/data.md says stays exposed).");
            page.Table(["set-up", "epochs run / asked", "training batches", "seconds", "result"], rows);
            Console.WriteLine(page.Save(options.ResultsDir, "data-soak.md"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string[] Soak(string name, string folder, int epochs, int workers, bool allocatingNeighbour, bool ownDataset = false)
    {
        var data = ImageFolderData.FromFolder(folder, new ImageOptions { Mode = ImageMode.Grayscale, Size = (28, 28), CacheDecoded = false });
        Normalize normalize = data.Normalize();
        using var stop = new CancellationTokenSource();
        Thread? neighbour = allocatingNeighbour ? StartSkiaDecoder(folder, stop.Token) : null;
        manual_seed(1);
        var model = nn.Sequential(nn.Conv2d(1, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 28 * 28, 10));
        using DataBunch bunch = ownDataset
            ? DataBunch.FromDatasets(new SkiaSharpImages(data.Train), new SkiaSharpImages(data.Valid), BatchSize, generator: new Generator(1), workers: workers)
            : data.ToDataBunch(BatchSize, generator: new Generator(1), workers: workers);
        using var learn = new Learner(model, bunch, Losses.CrossEntropy, Optimizer.AdamW(), lr: 1e-3, cbs: [normalize]);
        var clock = Stopwatch.StartNew();
        int done = 0;
        string result = "clean";
        try
        {
            for (; done < epochs; done++)
            {
                learn.Fit(1);
            }
        }
        catch (Exception ex)
        {
            Exception root = ex.InnerException ?? ex;
            result = $"failed in epoch {done}: {root.GetType().Name}: {root.Message.Split('\n')[0].Trim()}";
        }
        finally
        {
            stop.Cancel();
            neighbour?.Join();
        }

        long batches = done * ((data.Train.Count + BatchSize - 1) / BatchSize);
        Console.WriteLine($"soak {name}: {done}/{epochs} epochs, {clock.Elapsed.TotalSeconds:F1} s, {result}");
        return [name, $"{done} / {epochs}", batches.ToString("N0", CultureInfo.InvariantCulture), clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture), result];
    }

    private static Thread StartSkiaDecoder(string folder, CancellationToken stop)
    {
        string[] files = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories);
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (string file in files)
                {
                    using var codec = SKCodec.Create(file);
                    var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                    using var bitmap = new SKBitmap(info);
                    codec.GetPixels(info, bitmap.GetPixels());
                }
            }
        })
        { IsBackground = true, Name = "SkiaSharp decoder (control)" };
        thread.Start();
        return thread;
    }

    // A user's dataset: each sample decoded with SkiaSharp's classes and made a tensor where it is read.
    private sealed class SkiaSharpImages(ImageFolderDataset images) : IDataset<Sample>
    {
        public long Count => images.Count;

        public Sample this[long index]
        {
            get
            {
                using var codec = SKCodec.Create(images.PathOf(index));
                var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque);
                codec.GetPixels(info, out byte[] pixels);
                return new Sample(tensor(pixels.Select(p => p / 255f).ToArray(), [1, info.Height, info.Width]), tensor(images.LabelOf(index)));
            }
        }
    }
}
