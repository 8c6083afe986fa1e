using System.Diagnostics;

namespace CallbackGen.Benchmarks.Onnx;

/// <summary>Times one call: repeats it for a time budget and gives the mean per call of that stretch.</summary>
internal static class LatencyClock
{
    /// <summary>Milliseconds per call over at least <paramref name="minCalls"/> calls and <paramref name="budget"/>.</summary>
    public static double MillisecondsPerCall(Action call, TimeSpan budget, int minCalls = 5)
    {
        int calls = 0;
        var clock = Stopwatch.StartNew();
        while (calls < minCalls || clock.Elapsed < budget)
        {
            call();
            calls++;
        }

        return clock.Elapsed.TotalMilliseconds / calls;
    }
}
