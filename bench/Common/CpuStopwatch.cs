using System.Diagnostics;

namespace CallbackGen.Benchmarks;

/// <summary>
/// A stopwatch that also measures the process's CPU time over the same intervals. Wall time is the
/// figure that counts; CPU time is reported next to it because on a shared machine it is far less
/// disturbed by other processes (with one libtorch thread, the work is one thread's).
/// </summary>
public sealed class CpuStopwatch
{
    private readonly Stopwatch wall = new();
    private readonly Process self = Process.GetCurrentProcess();
    private TimeSpan cpuStart;
    private TimeSpan cpu;

    /// <summary>Wall time between starts and stops.</summary>
    public TimeSpan Elapsed => wall.Elapsed;

    /// <summary>Process CPU time between starts and stops.</summary>
    public TimeSpan CpuTime => cpu;

    /// <summary>Starts (or resumes) both clocks.</summary>
    public void Start()
    {
        self.Refresh();
        cpuStart = self.TotalProcessorTime;
        wall.Start();
    }

    /// <summary>Stops both clocks.</summary>
    public void Stop()
    {
        wall.Stop();
        self.Refresh();
        cpu += self.TotalProcessorTime - cpuStart;
    }

    /// <summary>Clears both clocks and starts them.</summary>
    public void Restart()
    {
        wall.Reset();
        cpu = TimeSpan.Zero;
        Start();
    }
}
