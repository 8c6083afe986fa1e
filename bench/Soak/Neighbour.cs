using System.Diagnostics;
using System.Text.Json;

namespace CallbackGen.Benchmarks.Soak;

/// <summary>
/// A busy thread of the host application: System.Text.Json round trips and 1–64 KB arrays at up to
/// <see cref="BytesPerSecond"/>, and a forced gen-0 collection about every millisecond: the
/// collections that finalize what the training thread left to the finalizer while libtorch reads it.
/// </summary>
internal sealed class Neighbour : IDisposable
{
    public const double BytesPerSecond = 800e6;

    private readonly Thread thread;
    private readonly CancellationTokenSource stop = new();
    private long allocated;
    private long collections;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public Neighbour()
    {
        thread = new Thread(Run) { IsBackground = true, Name = "allocating neighbour" };
        thread.Start();
    }

    /// <summary>Bytes allocated per second so far.</summary>
    public double Rate => Interlocked.Read(ref allocated) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);

    /// <summary>Forced collections so far.</summary>
    public long Collections => Interlocked.Read(ref collections);

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }

    private void Run()
    {
        var random = new Random(1);
        var order = new Order("soak", Enumerable.Range(0, 32).Select(i => new Line($"item {i}", i, i * 0.5)).ToArray());
        long start = GC.GetAllocatedBytesForCurrentThread();
        long lastCollect = Stopwatch.GetTimestamp();
        long perMillisecond = Stopwatch.Frequency / 1000;
        while (!stop.IsCancellationRequested)
        {
            string json = JsonSerializer.Serialize(order);
            order = JsonSerializer.Deserialize<Order>(json)!;
            byte[] block = new byte[random.Next(1024, 65536)];
            block[^1] = 1;
            long now = Stopwatch.GetTimestamp();
            if (now - lastCollect >= perMillisecond)
            {
                GC.Collect(0);
                Interlocked.Increment(ref collections);
                lastCollect = now;
            }

            long bytes = GC.GetAllocatedBytesForCurrentThread() - start;
            Interlocked.Exchange(ref allocated, bytes);
            // Hold the rate near the target: ahead of it, yield the core for a moment.
            if (bytes > BytesPerSecond * clock.Elapsed.TotalSeconds)
            {
                Thread.Sleep(0);
            }
        }
    }

    private sealed record Line(string Name, int Count, double Price);

    private sealed record Order(string Customer, Line[] Lines);
}
