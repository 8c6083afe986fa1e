using System.Diagnostics;
using CallbackGen.Data;
using CallbackGen.Samples.FashionMnist;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Issue 11's memory soak: one 20-epoch fit with the main job's set-up (Samples/FashionMnist: its
/// model, batch size, AdamW, one-cycle, per-batch normalisation by BatchTransform, accuracy,
/// Progress, Recorder, CsvLogger and SaveModel writing a checkpoint) on the embedded subset; after
/// every epoch, the process's RSS and the number of live TorchSharp tensors.
/// </summary>
internal static partial class MemorySoak
{
    public sealed record Point(int Epoch, double RssMiB, double ManagedMiB, double GcCommittedMiB, long JittedMethods, long LiveTensors, double Seconds);

    public sealed record Result(string Setup, int Epochs, long BaselineTensors, double BaselineRssMiB, IReadOnlyList<Point> Points, long TensorsAfterFit, double PeakMiB);

    /// <summary>Runs the soak on <paramref name="folder"/> (an MNIST-format folder), optionally on its first samples only.</summary>
    public static Result Run(string folder, ModelKind kind, int epochs, long? trainLimit, long? validLimit)
    {
        string scratch = Directory.CreateTempSubdirectory("callbackgen-soak-").FullName;
        try
        {
            return Fit(folder, kind, epochs, trainLimit, validLimit, scratch);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static Result Fit(string folder, ModelKind kind, int epochs, long? trainLimit, long? validLimit, string scratch)
    {
        const double Lr = 3e-3; // the job picks its rate with the LR finder; the soak is about epochs, so a fixed one
        int batchSize = JobOptions.DefaultBatchSize;
        manual_seed(JobOptions.DefaultSeed);
        using MnistData all = MnistFolder.Load(folder);
        using MnistData data = all.Take(Math.Min(trainLimit ?? long.MaxValue, all.TrainCount), Math.Min(validLimit ?? long.MaxValue, all.TestCount));
        float mean, std;
        using (NewDisposeScope())
        {
            (mean, std) = (data.TrainImages.mean().item<float>(), data.TrainImages.std().item<float>());
        }

        using var shuffle = new Generator((ulong)JobOptions.DefaultSeed);
        using DataBunch bunch = data.ToDataBunch(batchSize, generator: shuffle);
        using nn.Module<Tensor, Tensor> model = CallbackGen.Samples.FashionMnist.Models.Create(kind);
        long[] shape = CallbackGen.Samples.FashionMnist.Models.InputShape(kind);
        var toModelInput = new BatchTransform(x => ((x - mean) / std).view(shape));
        using var learn = new Learner(model, bunch, Losses.CrossEntropy, Optimizer.AdamW(), cbs: new Callback[] { toModelInput }, metrics: new[] { Metric.Accuracy });
        using var progress = new Progress(TextWriter.Null);
        var probe = new MemoryProbe();
        Callback[] cbs =
        {
            progress,
            new Recorder(),
            new CsvLogger(Path.Combine(scratch, "metrics.csv")),
            new SaveModel(Path.Combine(scratch, "model.ckpt")),
            probe,
        };

        ProcessMemory.Trim();
        ProcessMemory.ResetPeak();
        learn.FitOneCycle(epochs, Lr, cbs: cbs);
        long after = Tensor.TotalCount;
        string setup = $"the main job's {kind.ToString().ToUpperInvariant()} (Samples/FashionMnist), batch size {batchSize}, AdamW, one-cycle (lr {Lr}), " +
            $"BatchTransform normalisation, accuracy, Progress (redirected), Recorder, CsvLogger and SaveModel (a checkpoint written every epoch), " +
            $"on {data.TrainCount:N0} training / {data.TestCount:N0} validation samples";
        foreach (IDisposable d in cbs.OfType<IDisposable>())
        {
            d.Dispose();
        }

        return new Result(setup, epochs, probe.BaselineTensors, probe.BaselineRssMiB, probe.Points, after, ProcessMemory.PeakMiB());
    }

    /// <summary>Samples memory at the start of the fit and after every epoch (last in order, so every other callback has finished its epoch).</summary>
    [Callback(Order = int.MaxValue)]
    private sealed partial class MemoryProbe : Callback
    {
        private readonly Stopwatch clock = new();

        public List<Point> Points { get; } = new();

        public long BaselineTensors { get; private set; }

        public double BaselineRssMiB { get; private set; }

        [Callback]
        private void BeforeFit()
        {
            BaselineTensors = Tensor.TotalCount;
            BaselineRssMiB = ProcessMemory.RssMiB();
        }

        [Callback]
        private void BeforeEpoch() => clock.Restart();

        [Callback]
        private void AfterEpoch()
        {
            double seconds = clock.Elapsed.TotalSeconds;
            // Count only what is really still referenced: collect first, so finalizable garbage
            // does not look like a leak (and a real leak is not hidden by a lucky collection).
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Points.Add(new Point(
                Epoch + 1,
                ProcessMemory.RssMiB(),
                GC.GetTotalMemory(false) / (1024.0 * 1024),
                GC.GetGCMemoryInfo().TotalCommittedBytes / (1024.0 * 1024),
                System.Runtime.JitInfo.GetCompiledMethodCount(),
                Tensor.TotalCount,
                seconds));
        }
    }
}
