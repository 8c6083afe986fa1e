using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Runs the variants alternately in one process — a warm-up round, then several rounds, the order
/// rotated each round so drift in the machine's speed falls on every variant alike — and keeps every
/// epoch's time and memory.
/// </summary>
internal sealed class ThroughputBenchmark(int rounds, int batchSize, long seed)
{
    public sealed record Sample(
        string Model, string Variant, int Round, double Seconds, double CpuSeconds, double SamplesPerSecond,
        double TrainSeconds, double TrainCpuSeconds, double TrainSamplesPerSecond, double RssAfterMiB, double PeakMiB);

    public List<Sample> Samples { get; } = new();

    /// <summary>Largest absolute difference between the weights a and b reach after one epoch (proof that they did the same work).</summary>
    public Dictionary<string, double> WeightDifference { get; } = new();

    public bool PeakIsPerEpoch { get; private set; } = true;

    /// <summary>The 1-minute load average (/proc/loadavg) before and after each model's rounds: how busy the shared machine was.</summary>
    public Dictionary<string, (double Before, double After)> Load { get; } = new();

    public void Run(string modelName, FashionMnist data, IReadOnlyList<LoopVariant> variants, Action<string> log)
    {
        long samples = data.TrainCount + data.ValidCount;
        double loadBefore = LoadAverage();
        log($"{modelName}: warm-up (load average {loadBefore:0.00})");
        RecordWeightDifference(modelName, data, variants);

        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < variants.Count; k++)
            {
                LoopVariant v = variants[(round + k) % variants.Count];
                Settle();
                PeakIsPerEpoch &= ProcessMemory.ResetPeak();
                using EpochRun run = v.Run(modelName, data, batchSize, seed);
                var s = new Sample(
                    modelName, v.Key, round, run.Seconds, run.CpuSeconds, samples / run.Seconds,
                    run.TrainSeconds, run.TrainCpuSeconds, data.TrainCount / run.TrainSeconds, ProcessMemory.RssMiB(), ProcessMemory.PeakMiB());
                Samples.Add(s);
                log($"{modelName} round {round} {v.Key}: epoch {s.Seconds:0.000} s (CPU {s.CpuSeconds:0.000} s), training {s.TrainSeconds:0.000} s (CPU {s.TrainCpuSeconds:0.000} s), RSS {s.RssAfterMiB:0} MiB, peak {s.PeakMiB:0} MiB");
            }
        }

        Load[modelName] = (loadBefore, LoadAverage());
    }

    /// <summary>The 1-minute load average, NaN where /proc/loadavg cannot be read.</summary>
    public static double LoadAverage()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    // The warm-up round: every variant once (JIT, libtorch's first-use allocations), and a and b's weights compared.
    private void RecordWeightDifference(string modelName, FashionMnist data, IReadOnlyList<LoopVariant> variants)
    {
        var runs = variants.Select(v => v.Run(modelName, data, batchSize, seed)).ToList();
        try
        {
            LoopVariant? a = variants.FirstOrDefault(v => v.Key == "a");
            LoopVariant? b = variants.FirstOrDefault(v => v.Key == "b");
            if (a is not null && b is not null)
            {
                var pa = runs[variants.ToList().IndexOf(a)].Model.parameters().ToList();
                var pb = runs[variants.ToList().IndexOf(b)].Model.parameters().ToList();
                double max = 0;
                for (int i = 0; i < pa.Count; i++)
                {
                    using Tensor d = (pa[i] - pb[i]).abs().max();
                    max = Math.Max(max, d.item<float>());
                }

                WeightDifference[modelName] = max;
            }
        }
        finally
        {
            runs.ForEach(r => r.Dispose());
        }
    }

    // Garbage from the previous run is collected before the clock starts, the same for every variant.
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
