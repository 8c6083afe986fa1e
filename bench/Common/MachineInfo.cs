using System.Globalization;
using System.Runtime.InteropServices;

namespace CallbackGen.Benchmarks;

/// <summary>What a result was measured on: every results file starts with this, so figures are never quoted without their machine.</summary>
public static class MachineInfo
{
    /// <summary>Markdown lines naming the machine, the date and the versions (extra versions, e.g. TorchSharp, appended).</summary>
    public static IEnumerable<string> Describe(params (string Name, string Value)[] versions)
    {
        yield return $"- Date: {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
        yield return $"- Machine: {CpuModel()}, {Environment.ProcessorCount} logical cores (nproc), {TotalMemoryGiB():0.0} GiB memory, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}";
        yield return $"- .NET: {RuntimeInformation.FrameworkDescription}";
        foreach (var (name, value) in versions)
        {
            yield return $"- {name}: {value}";
        }
    }

    /// <summary>The CPU model as <c>lscpu</c> prints it (from /proc/cpuinfo), or the architecture where that file is absent.</summary>
    public static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            foreach (string line in File.ReadLines(cpuinfo))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>Total physical memory in GiB.</summary>
    public static double TotalMemoryGiB() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
}
