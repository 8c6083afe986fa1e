using System.Diagnostics;
using System.Security.Cryptography;
using CallbackGen.Data;
using CallbackGen.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>
/// A small, exactly repeatable fit (an MLP without BatchNorm on seeded synthetic data) that the tests run
/// on one process or under mpirun: its run folder (CSV, checkpoints) is written by the framework's own
/// callbacks, and each rank names its own (<c>OUT/run-rankR</c>) so a test sees which ranks wrote; the test's instruments (<c>OUT/probe</c>: each rank's weight hash after
/// every step, its final weights) by this program.
/// </summary>
internal static class FitTask
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        string outDir = o.Text("out") ?? throw new ArgumentException("fit needs --out DIR");
        bool distributed = o.Has("distributed") || MpiWorld.IsLaunchedByMpi;
        MpiWorld? world = null;
        if (distributed)
        {
            try
            {
                world = MpiWorld.Init();
            }
            catch (MpiUnavailableException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 3;
            }
        }

        try
        {
            torch.set_num_threads(1);
            Fit(o, outDir, world);
            return 0;
        }
        catch (Exception ex) when (world is { Size: > 1 })
        {
            world.Fail(ex);
            return 1;
        }
        finally
        {
            world?.Dispose();
        }
    }

    private static void Fit(Options o, string outDir, MpiWorld? world)
    {
        int epochs = o.Int("epochs", 2);
        int bs = o.Int("bs", 64);
        int seed = o.Int("seed", 1);
        int rank = world?.Rank ?? 0;
        string run = Path.Combine(outDir, $"run-rank{rank}");
        string probe = Path.Combine(outDir, "probe");
        Directory.CreateDirectory(probe);

        (Tensor xt, Tensor yt, Tensor xv, Tensor yv) = SyntheticData(o.Int("samples", 1024));
        using var generator = new Generator((ulong)seed);
        using DataBunch whole = DataBunch.FromTensors(xt, yt, xv, yv, bs, generator: generator);
        DataBunch data = world is null ? whole : whole.Shard(world);
        random.manual_seed(seed + rank * 1000); // different initial weights per rank: the broadcast must make them equal
        var model = nn.Sequential(("lin1", nn.Linear(20, 32)), ("relu", nn.ReLU()), ("lin2", nn.Linear(32, 4)));
        var cbs = new List<Callback>
        {
            new CsvLogger(Path.Combine(run, "history.csv")),
            new SaveModel(Path.Combine(run, "last.ckpt"), everyBatches: o.Int("save-every", 4)),
            new StepProbe(),
        };
        if (world is not null)
        {
            cbs.Insert(0, new DataParallel(world));
        }

        if (o.Int("accumulate", 1) is int batches and > 1)
        {
            cbs.Add(new GradientAccumulation(batches));
        }

        if (o.Text("clip") is string clip)
        {
            cbs.Add(new GradientClip(double.Parse(clip, System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (o.Text("throw-rank") is string tr)
        {
            cbs.Add(new PlantedFailure(int.Parse(tr), o.Int("throw-epoch", 1), kill: false));
        }

        if (o.Text("kill-rank") is string kr)
        {
            cbs.Add(new PlantedFailure(int.Parse(kr), o.Int("kill-epoch", 1), kill: true));
        }

        using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(momentum: 0.9), lr: 0.05, cbs: cbs, metrics: [Metric.Accuracy]);
        if (o.Has("one-cycle"))
        {
            learn.FitOneCycle(epochs, 0.1);
        }
        else if (o.Text("resume") is string resume)
        {
            learn.Fit(epochs, resumeFrom: resume);
        }
        else
        {
            learn.Fit(epochs);
        }

        StepProbe p = learn.Get<StepProbe>()!;
        File.WriteAllLines(Path.Combine(probe, $"hashes-rank{rank}.txt"), p.Hashes);
        File.WriteAllBytes(Path.Combine(probe, $"weights-rank{rank}.bin"), WeightBytes(model));
        if (rank == 0)
        {
            Console.WriteLine($"done: {learn.WorldSize} rank(s), {p.Hashes.Count} steps");
        }
    }

    /// <summary>A 4-class problem in 20 dimensions, the same on every rank and every run.</summary>
    private static (Tensor, Tensor, Tensor, Tensor) SyntheticData(int n)
    {
        using var g = new Generator(1234);
        Tensor w = randn(20, 4, generator: g);
        Tensor xt = randn(n, 20, generator: g);
        Tensor xv = randn(n / 4, 20, generator: g);
        return (xt, (xt.matmul(w) + 0.5 * randn(n, 4, generator: g)).argmax(1), xv, (xv.matmul(w) + 0.5 * randn(n / 4, 4, generator: g)).argmax(1));
    }

    internal static byte[] WeightBytes(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().contiguous().bytes.ToArray()).ToArray();
}
