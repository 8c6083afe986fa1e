namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>
/// A second, exact allocation check next to BenchmarkDotNet's: the bytes this thread allocates over a
/// million warm dispatches of the 11 training events (what Mediator's zero-allocation test measures).
/// </summary>
internal static class AllocationCheck
{
    public static long BytesPerMillionDispatches()
    {
        var bench = new DispatchBenchmarks();
        bench.Setup();
        for (int i = 0; i < 10_000; i++)
        {
            bench.ElevenGenerated();
            bench.BatchGeneratedPhases();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000_000; i++)
        {
            bench.ElevenGenerated();
            bench.BatchGeneratedPhases();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
