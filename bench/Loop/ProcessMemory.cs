namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Resident memory of this process from /proc/self/status (what `ps` and the OOM killer see, native
/// libtorch allocations included, unlike the managed heap figures).
/// </summary>
internal static class ProcessMemory
{
    /// <summary>Current resident set size in MiB (VmRSS).</summary>
    public static double RssMiB() => Read("VmRSS:");

    /// <summary>Peak resident set size in MiB since start or the last <see cref="ResetPeak"/> (VmHWM).</summary>
    public static double PeakMiB() => Read("VmHWM:");

    /// <summary>
    /// Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so the peak
    /// of one measured epoch can be read on its own. Returns false where the kernel does not allow it.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Collects managed garbage and hands the C heap's free pages back to the system (glibc's
    /// malloc_trim), so an RSS curve starts from what is live rather than from what a loader freed.
    /// Returns false where malloc_trim does not exist (not glibc).
    /// </summary>
    public static bool Trim()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Aggressive: also decommit the GC's free regions now (it otherwise returns them gradually,
        // which would show as a falling RSS curve over the first epochs).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            _ = MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static double Read(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                string kb = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"{key} not found in /proc/self/status.");
    }
}
