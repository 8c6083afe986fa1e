namespace CallbackGen.Benchmarks.Distributed;

/// <summary>Placeholder until the report is written.</summary>
internal static class ScalingReport
{
    public static int Run(string[] args) => args.Length >= 0 ? 2 : 0;
}
