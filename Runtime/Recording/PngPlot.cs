using ScottPlot;

namespace CallbackGen;

/// <summary>Writing charts as PNG files (ScottPlot renders with Skia, headless).</summary>
internal static class PngPlot
{
    /// <summary>
    /// Renders <paramref name="plot"/> in memory and writes the PNG atomically (<see cref="IO.AtomicFile"/>):
    /// an existing chart under the name is replaced whole or, when anything fails, left as it was.
    /// </summary>
    public static string Save(Plot plot, string path, int width, int height)
    {
        string full = Prepare(path, width, height);
        using ScottPlot.Image image = plot.GetImage(width, height);
        IO.AtomicFile.WriteAllBytes(full, image.GetImageBytes(ScottPlot.ImageFormat.Png));
        return full;
    }

    /// <summary>As <see cref="Save(Plot, string, int, int)"/>, for several plots in one image.</summary>
    public static string Save(Multiplot plot, string path, int width, int height)
    {
        string full = Prepare(path, width, height);
        using ScottPlot.Image image = plot.Render(width, height);
        IO.AtomicFile.WriteAllBytes(full, image.GetImageBytes(ScottPlot.ImageFormat.Png));
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

    // The folder is created by AtomicFile, which names the path when it cannot be.
    private static string Prepare(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 16);
        return Path.GetFullPath(path);
    }
}
