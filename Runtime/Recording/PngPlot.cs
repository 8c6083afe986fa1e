using ScottPlot;

namespace CallbackGen;

/// <summary>Writing charts as PNG files (ScottPlot renders with Skia, headless).</summary>
internal static class PngPlot
{
    public static string Save(Plot plot, string path, int width, int height)
    {
        string full = Prepare(path, width, height);
        plot.SavePng(full, width, height);
        return full;
    }

    public static string Save(Multiplot plot, string path, int width, int height)
    {
        string full = Prepare(path, width, height);
        plot.SavePng(full, width, height);
        return full;
    }

    public static Plot Line(Plot plot, IReadOnlyList<double> xs, IReadOnlyList<double> ys, string legend)
    {
        var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
        line.LegendText = legend;
        line.LineWidth = 1.5f;
        return plot;
    }

    /// <summary>Shows a base-10 logarithm axis: the data are plotted as log10(x), ticks labelled as powers of ten.</summary>
    public static void LogBottomAxis(Plot plot)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
    }

    private static string Prepare(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        return full;
    }
}
