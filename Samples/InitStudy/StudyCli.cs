using System.Globalization;

namespace CallbackGen.Samples.InitStudy;

/// <summary>The study's command line: <c>[--out DIR] [--data DIR] [--images N] [--depth N]</c>; a wrong argument exits with 2.</summary>
public static class StudyCli
{
    /// <summary>The usage line printed after an argument error.</summary>
    public const string Usage = "usage: dotnet run --project Samples/InitStudy -- [--out DIR] [--data DIR] [--images N>1] [--depth N>0]";

    /// <summary>Parses <paramref name="args"/> and runs the study; returns the exit code (0, or 2 for a usage error).</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <param name="output">Where the tables go.</param>
    /// <param name="error">Where usage errors go.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var options = new StudyOptions();
        for (int i = 0; i < args.Length; i += 2)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            StudyOptions? next = (args[i], value) switch
            {
                ("--out", string v) => options with { Out = v },
                ("--data", string v) when Directory.Exists(v) => options with { Data = v },
                ("--images", string v) when int.TryParse(v, CultureInfo.InvariantCulture, out int n) && n > 1 => options with { Images = n },
                ("--depth", string v) when int.TryParse(v, CultureInfo.InvariantCulture, out int n) && n > 0 => options with { Depth = n },
                _ => null,
            };
            if (next is null)
            {
                error.WriteLine($"error: unexpected or invalid argument '{args[i]}'{(value is null ? " (no value)" : $" '{value}'")}");
                error.WriteLine(Usage);
                return 2;
            }

            options = next;
        }

        Study.Run(options, output);
        return 0;
    }
}
