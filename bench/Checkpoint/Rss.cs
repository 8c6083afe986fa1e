using System.Globalization;

namespace CallbackGen.Benchmarks.Checkpoint;

/// <summary>Resident memory from /proc/self/status: the peak is reset before an operation (clear_refs 5), so its growth is the operation's.</summary>
internal static class Rss
{
    /// <summary>Resets the peak (VmHWM) to the current resident size; false where the kernel refuses.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>VmRSS in bytes.</summary>
    public static long Current() => Read("VmRSS:");

    /// <summary>VmHWM in bytes.</summary>
    public static long Peak() => Read("VmHWM:");

    private static long Read(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string kb = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
