using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Soak;
using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;
using TorchSharp;
using static TorchSharp.torch;

// dotnet run -c Release --project bench/Soak [-- --epochs 200] [--loads idle,busy] [--set-ups adamw,sgd,loaders,torchsharp-adamw]
// Each run is a child process (the control can abort the process: an uncaught c10::Error).
if (args.Length > 0 && args[0] == "--child")
{
    return Child.Run(args[1], args[2] == "neighbour", int.Parse(args[3], CultureInfo.InvariantCulture));
}

int epochs = Option("--epochs", 200);
string[] loads = OptionList("--loads", "idle,busy");
string[] setUps = OptionList("--set-ups", "adamw,sgd,loaders,torchsharp-adamw");
string results = Value("--out") ?? Path.Combine(ResultsFile.RepositoryRoot(), "bench", "results");
string self = Environment.ProcessPath!;
string dll = typeof(Child).Assembly.Location;

var rows = new List<string[]>();
var alone = new Dictionary<string, string>();
foreach (string setUp in setUps)
{
    // The reference: the same epochs with nothing beside the fit (idle machine).
    ChildResult reference = RunChild(setUp, neighbour: false, epochs);
    alone[setUp] = reference.Hash;
    rows.Add(Row(setUp, "alone", "idle", reference, reference.Hash));
}

foreach (string load in loads)
{
    var busy = new List<Process>();
    if (load == "busy")
    {
        // Two CPU-bound processes beside the fit: the race needs contention (docs/data.md).
        for (int i = 0; i < 2; i++)
        {
            busy.Add(Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "exec yes > /dev/null"]) { UseShellExecute = false })!);
        }
    }

    try
    {
        foreach (string setUp in setUps)
        {
            ChildResult r = RunChild(setUp, neighbour: true, epochs);
            rows.Add(Row(setUp, "allocating neighbour", load, r, alone[setUp]));
        }
    }
    finally
    {
        foreach (Process p in busy)
        {
            p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
    }
}

var page = new ResultsFile("Training beside a busy thread (soak)", "dotnet run -c Release --project bench/Soak -- " + string.Join(' ', args),
    ("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"));
page.Paragraph(string.Create(CultureInfo.InvariantCulture,
    $"The main job's CNN (Samples/FashionMnist, four conv blocks with BatchNorm) on 3,000 images of the embedded subset (500 for validation), batch 100, accuracy, `workers: 0` unless said, one libtorch thread; ")
    + $"`Fit(1)` repeated for {epochs} epochs in a child process per run. The neighbour is a thread of the same process doing System.Text.Json round trips and 1–64 KB arrays (target {Neighbour.BytesPerSecond / 1e6:F0} MB/s) with `GC.Collect(0)` every millisecond; "
    + "busy: two `yes > /dev/null` processes beside it (the race needs contention). A run is clean when every epoch finished without an exception or abort; the hash is SHA-256 over the final state dictionary, compared with the same set-up's run alone. "
    + "Set-ups: `adamw`/`sgd` are CallbackGen's own optimisers (`Optimizer.AdamW()`, `Optimizer.Sgd(momentum: 0.9)`); `loaders` is AdamW over a dataset of the user's own (`IDataset<Sample>` making a tensor per sample) read by two loader threads; "
    + "`torchsharp-adamw` is the old path kept as the control: TorchSharp's AdamW wrapped with `Optimizer.FromTorchSharp` (about nine unheld Scalars per parameter and step).");
page.Table(["set-up", "beside", "machine", "epochs clean / asked", "forced GCs", "neighbour MB/s", "Scalars to the finalizer / batch", "seconds", "final weights", "result"], rows);
Console.WriteLine(page.Save(results, "soak-neighbours.md"));
return 0;

ChildResult RunChild(string setUp, bool neighbour, int n)
{
    var psi = new ProcessStartInfo(self.EndsWith("dotnet", StringComparison.Ordinal) ? self : self, self.EndsWith("dotnet", StringComparison.Ordinal) ? [dll, "--child", setUp, neighbour ? "neighbour" : "alone", n.ToString(CultureInfo.InvariantCulture)] : ["--child", setUp, neighbour ? "neighbour" : "alone", n.ToString(CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    using Process p = Process.Start(psi)!;
    Task<string> err = p.StandardError.ReadToEndAsync();
    string? last = null;
    while (p.StandardOutput.ReadLine() is { } line)
    {
        Console.WriteLine($"  [{setUp}{(neighbour ? " + neighbour" : string.Empty)}] {line}");
        if (line.StartsWith("RESULT ", StringComparison.Ordinal))
        {
            last = line;
        }
    }

    p.WaitForExit();
    string stderr = err.Result;
    return ChildResult.Parse(last, p.ExitCode, stderr);
}

string[] Row(string setUp, string beside, string load, ChildResult r, string reference) =>
[
    setUp, beside, load, $"{r.Clean} / {epochs}", r.Collections.ToString("N0", CultureInfo.InvariantCulture),
    r.Rate.ToString("F0", CultureInfo.InvariantCulture), r.ScalarsPerBatch.ToString("0.##", CultureInfo.InvariantCulture),
    r.Seconds.ToString("F0", CultureInfo.InvariantCulture),
    r.Hash.Length == 0 ? "—" : r.Hash[..12] + (beside == "alone" ? string.Empty : r.Hash == reference ? " (= alone)" : " (differs)"),
    r.Outcome,
];

int Option(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string[] OptionList(string name, string fallback) => (Value(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries);

string? Value(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record ChildResult(int Clean, long Collections, double Rate, double ScalarsPerBatch, double Seconds, string Hash, string Outcome)
{
    public static ChildResult Parse(string? line, int exitCode, string stderr)
    {
        if (line is null)
        {
            string why = stderr.Split('\n').FirstOrDefault(l => l.Contains("Error", StringComparison.OrdinalIgnoreCase) || l.Contains("what()", StringComparison.Ordinal))?.Trim() ?? string.Empty;
            return new(0, 0, 0, 0, 0, string.Empty, $"process ended with exit code {exitCode} {why}".Trim());
        }

        string[] f = line["RESULT ".Length..].Split('\t');
        return new(int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture),
            double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture), f[5], exitCode == 0 ? f[6] : $"{f[6]} (exit {exitCode})");
    }
}

internal static class Child
{
    private const int Train = 3000, Valid = 500, BatchSize = 100;

    public static int Run(string setUp, bool neighbour, int epochs)
    {
        set_num_threads(1);
        string embedded = FashionMnistData.FindEmbeddedSubset() ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset was not found.");
        using MnistData mnist = MnistFolder.Load(embedded);
        Tensor x = mnist.TrainImages[..(Train + Valid)].reshape(-1, 1, 28, 28);
        Tensor y = mnist.TrainLabels[..(Train + Valid)];
        DataBunch data = setUp == "loaders"
            ? DataBunch.FromDatasets(new OwnImages(x[..Train], y[..Train]), new OwnImages(x[Train..], y[Train..]), BatchSize, generator: new Generator(1), workers: 2)
            : new DataBunch(new DataLoader(x[..Train], y[..Train], BatchSize, shuffle: true, generator: new Generator(1)), new DataLoader(x[Train..], y[Train..], BatchSize));
        manual_seed(1);
        var model = Models.Create(ModelKind.Cnn);
        OptimizerFactory opt = setUp switch
        {
            "sgd" => Optimizer.Sgd(momentum: 0.9),
            "torchsharp-adamw" => (m, lr) => Optimizer.FromTorchSharp(optim.AdamW(m.parameters(), lr, 0.9, 0.99, 1e-5, 0.01)),
            _ => Optimizer.AdamW(),
        };
        using var check = new FinalizerCheck();
        using var learn = new Learner(model, data, Losses.CrossEntropy, opt, lr: setUp == "sgd" ? 0.05 : 1e-3, cbs: [check], metrics: [Metric.Accuracy]);
        learn.Output = TextWriter.Null;
        Neighbour? busy = neighbour ? new Neighbour() : null;
        var clock = Stopwatch.StartNew();
        int done = 0;
        string outcome = "clean";
        double scalars = 0;
        try
        {
            for (; done < epochs; done++)
            {
                learn.Fit(1);
                if (done == 0)
                {
                    scalars = check.ScalarsPerBatch;
                    learn.Remove(check); // counted once: its forced collections would change the run
                }

                if ((done + 1) % 10 == 0)
                {
                    Console.WriteLine($"epoch {done + 1}: clean, {clock.Elapsed.TotalSeconds:F0} s");
                }
            }
        }
        catch (Exception ex)
        {
            Exception root = ex.InnerException ?? ex;
            outcome = $"failed in epoch {done + 1}: {root.Message.Split('\n')[0].Trim()}";
        }

        double rate = busy?.Rate ?? 0;
        long collections = busy?.Collections ?? 0;
        busy?.Dispose();
        string hash = outcome == "clean" ? Hash(learn.Model) : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT {done}\t{collections}\t{rate / 1e6:F0}\t{scalars:0.##}\t{clock.Elapsed.TotalSeconds:F1}\t{hash}\t{outcome}"));
        return 0;
    }

    private static string Hash(nn.Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, t) in model.state_dict())
        {
            using Tensor c = t.detach().cpu().contiguous();
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            sha.AppendData(c.bytes);
        }

        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    // A dataset of the user's own: indexer code that makes a tensor per sample, run on the loader threads.
    private sealed class OwnImages(Tensor x, Tensor y) : IDataset<Sample>
    {
        private readonly float[] pixels = x.contiguous().data<float>().ToArray();
        private readonly long[] labels = y.to_type(ScalarType.Int64).data<long>().ToArray();

        public long Count => labels.Length;

        public Sample this[long index] => new(
            tensor(pixels.AsSpan((int)index * 784, 784).ToArray(), [1, 28, 28]),
            tensor(labels[index]));
    }
}
