using System.Globalization;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>The <c>--name value</c> and <c>--flag</c> arguments of one mode.</summary>
internal sealed class Options(string[] args)
{
    public bool Has(string name) => args.Contains("--" + name);

    public string? Text(string name)
    {
        int i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Text(name) is string s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Text(name) is string s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;
}
