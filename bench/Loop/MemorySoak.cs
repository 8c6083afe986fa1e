using System.Diagnostics;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Issue 11's memory soak: one 20-epoch fit of the main job's setup with the standard stack; after
/// every epoch, the process's RSS and the number of live TorchSharp tensors, which must be back at
/// the count the fit started with.
/// </summary>
internal static partial class MemorySoak
{
    public sealed record Point(int Epoch, double RssMiB, double ManagedMiB, double GcCommittedMiB, long JittedMethods, long LiveTensors, double Seconds);

    public sealed record Result(string Model, int Epochs, long BaselineTensors, double BaselineRssMiB, IReadOnlyList<Point> Points, long TensorsAfterFit, double PeakMiB);

    public static Result Run(string modelName, FashionMnist data, int epochs, int batchSize, long seed)
    {
        nn.Module<Tensor, Tensor> model = Models.Create(modelName, seed);
        using var generator = new Generator((ulong)seed);
        var dataBunch = new Data.DataBunch(
            new Data.DataLoader(data.XTrain, data.YTrain, batchSize, shuffle: true, generator: generator),
            new Data.DataLoader(data.XValid, data.YValid, batchSize));
        var learn = new Learner(model, dataBunch, (pred, y) => nn.functional.cross_entropy(pred, y), Optimizer.Sgd(), LoopVariant.Lr, metrics: StandardStack.Metrics);
        learn.CreateOptimizer();
        var probe = new MemoryProbe();
        var cbs = StandardStack.Create(LoopVariant.Lr).Append(probe).ToArray();
        ProcessMemory.Trim();
        ProcessMemory.ResetPeak();
        learn.Fit(epochs, cbs: cbs);
        long after = Tensor.TotalCount;
        var result = new Result(modelName, epochs, probe.BaselineTensors, probe.BaselineRssMiB, probe.Points, after, ProcessMemory.PeakMiB());
        learn.Dispose();
        foreach (IDisposable d in cbs.OfType<IDisposable>())
        {
            d.Dispose();
        }

        model.Dispose();
        return result;
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
