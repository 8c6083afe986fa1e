using System.Diagnostics;
using System.Globalization;
using CallbackGen.Checkpoints;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Checkpoint;

/// <summary>One measured case, in a child process: prints <c>RESULT seconds rss-growth bytes parameters extra</c>.</summary>
internal static class CheckpointCase
{
    public static int Run(string name, int hidden, string dir)
    {
        Learner learn = MakeLearner(hidden);
        long parameters = learn.Model.parameters().Sum(p => p.numel());
        string path = Path.Combine(dir, $"{name}-{hidden}.ckpt");
        List<Tensor> tensors = Tensors(learn);
        Action op;
        Func<long> bytes = () => new FileInfo(path).Length;
        double extra = 0;
        switch (name)
        {
            case "plain-write":
                op = () =>
                {
                    using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                    foreach (Tensor t in tensors)
                    {
                        f.Write(t.bytes);
                    }

                    f.Flush(flushToDisk: true);
                };
                break;
            case "old-write":
                op = () => PreviousFormat.Write(learn, path);
                break;
            case "sync-write":
                op = () => Checkpoints.Checkpoint.Write(learn, 0, 0, path);
                break;
            case "background":
                op = () =>
                {
                    var watch = Stopwatch.StartNew();
                    CheckpointImage image = CheckpointImage.Capture(learn, 0, 0);
                    double copy = watch.Elapsed.TotalSeconds;
                    image.Write(path);
                    extra = watch.Elapsed.TotalSeconds;
                    // Reported: the time the training thread waits (the copy); extra: until the file is written.
                    watch.Stop();
                    background = copy;
                };
                break;
            case "torch-save":
                op = () => learn.Model.save(path);
                break;
            case "plain-read":
                Checkpoints.Checkpoint.Write(learn, 0, 0, path);
                op = () =>
                {
                    // The same bytes, from the same file, straight into fresh tensors of the right shapes.
                    using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                    var fresh = tensors.Select(t => empty(t.shape, t.dtype)).ToList();
                    foreach (Tensor t in fresh)
                    {
                        f.ReadExactly(t.bytes);
                    }

                    fresh.ForEach(t => t.Dispose());
                };
                break;
            case "old-load":
                PreviousFormat.Write(learn, path);
                op = () => PreviousFormat.Load(learn, path);
                break;
            case "load":
                Checkpoints.Checkpoint.Write(learn, 0, 0, path);
                op = () => learn.LoadCheckpoint(path);
                break;
            default:
                throw new ArgumentException($"unknown case '{name}'");
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Rss.ResetPeak();
        long rss = Rss.Current();
        var clock = Stopwatch.StartNew();
        op();
        double seconds = clock.Elapsed.TotalSeconds;
        long growth = Rss.Peak() - rss;
        if (name == "background")
        {
            seconds = background;
        }

        long size = bytes();
        File.Delete(path);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {seconds:R} {growth} {size} {parameters} {extra:R}"));
        return 0;
    }

    private static double background;

    /// <summary>The MLP 784 → h → h → 10 with CallbackGen's AdamW after one step (weights and two moments per parameter).</summary>
    private static Learner MakeLearner(int hidden)
    {
        manual_seed(1);
        var model = nn.Sequential(("lin1", nn.Linear(784, hidden)), ("relu1", nn.ReLU()), ("lin2", nn.Linear(hidden, hidden)), ("relu2", nn.ReLU()), ("lin3", nn.Linear(hidden, 10)));
        Tensor x = randn(32, 784);
        Tensor y = randint(0, 10, new long[] { 32 });
        var data = new DataBunch(new DataLoader(x, y, 32), new DataLoader(x, y, 32));
        var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.AdamW(), lr: 1e-3);
        Optimizer opt = learn.CreateOptimizer();
        using (Tensor loss = nn.functional.cross_entropy(model.forward(x), y))
        {
            loss.backward();
        }

        opt.Step();
        opt.ZeroGrad();
        return learn;
    }

    /// <summary>The checkpoint's tensors: the model's, then each parameter's AdamW state.</summary>
    private static List<Tensor> Tensors(Learner learn)
    {
        var all = learn.Model.state_dict().Values.ToList();
        foreach (OptimizerGroup g in ((ParameterOptimizer)learn.Opt).Groups)
        {
            foreach (ParameterState s in g.States)
            {
                all.AddRange(s.Tensors.Select(t => t.Value));
            }
        }

        return all;
    }
}
