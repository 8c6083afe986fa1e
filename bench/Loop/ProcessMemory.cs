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
