using System.Diagnostics;
using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>
/// One measured training phase of the benchmark's CNN on the embedded Fashion-MNIST subset, at a global
/// batch of 64, on one process or on every rank of an mpirun job (after one unmeasured warm-up epoch).
/// Rank 0 prints one <c>RESULT</c> line that <see cref="ScalingReport"/> reads.
/// </summary>
internal static class EpochBenchmark
{
    public static int Run(string[] args)
    {
        var o = new Options(args);
        int threads = o.Int("threads", 1);
        int bs = o.Int("bs", 64);
        torch.set_num_threads(threads);
        MpiWorld? world = MpiWorld.IsLaunchedByMpi ? MpiWorld.Init() : null;
        try
        {
            string folder = FashionMnistData.FindEmbeddedSubset(AppContext.BaseDirectory)
                ?? FashionMnistData.FindEmbeddedSubset()
                ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset was not found above this program's folder.");
            using MnistData all = MnistFolder.Load(folder);
            using var scope = NewDisposeScope();
            Tensor xt = all.TrainImages.unsqueeze(1);
            Tensor mean = xt.mean();
            Tensor std = xt.std();
            xt = ((xt - mean) / std).contiguous();
            Tensor xv = ((all.TestImages.unsqueeze(1) - mean) / std).contiguous();
            using var generator = new Generator(1);
            using DataBunch whole = DataBunch.FromTensors(xt, all.TrainLabels, xv, all.TestLabels, bs, generator: generator);
            DataBunch data = world is null ? whole : whole.Shard(world);
            random.manual_seed(1);
            // The size of the scratch measurement (about 0.4 M parameters): enough work per step to share.
            var model = nn.Sequential(
                ("conv1", nn.Conv2d(1, 32, 5, stride: 2, padding: 2)), ("relu1", nn.ReLU()),
                ("conv2", nn.Conv2d(32, 64, 3, stride: 2, padding: 1)), ("relu2", nn.ReLU()),
                ("conv3", nn.Conv2d(64, 128, 3, stride: 2, padding: 1)), ("relu3", nn.ReLU()),
                ("conv4", nn.Conv2d(128, 256, 3, stride: 2, padding: 1)), ("relu4", nn.ReLU()),
                ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("lin", nn.Linear(256, 10)));
            DataParallel? parallel = world is null ? null : new DataParallel(world);
            var clock = new TrainClock();
            var cbs = new List<Callback> { clock };
            if (parallel is not null)
            {
                cbs.Add(parallel);
            }

            using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(momentum: 0.9), lr: 0.05, cbs: cbs);
            learn.Fit(2);
            double seconds = clock.Last.TotalSeconds;
            int steps = data.Train.Count;
            // The reduce time of the measured epoch only: the fit's total minus the warm-up's share is not
            // known, so the benchmark reports the average over both epochs' steps.
            double reduceMs = parallel is null ? 0 : parallel.ReduceTime.TotalMilliseconds / Math.Max(1, parallel.Steps);
            if (learn.Rank == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RESULT ranks={learn.WorldSize} threads={threads} train_s={seconds:F4} steps={steps} step_ms={1000 * seconds / steps:F3} reduce_ms={reduceMs:F4} calls={parallel?.CallsPerStep ?? 0} samples={all.TrainImages.shape[0]}"));
            }

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
}
