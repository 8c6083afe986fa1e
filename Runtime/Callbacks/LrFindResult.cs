using ScottPlot;

namespace CallbackGen;

/// <summary>
/// The outcome of <c>Learner.LrFind</c>: the learning rate and smoothed loss of every batch, and two
/// suggestions read off the curve (ignoring its first tenth and last five points, which are noise
/// and divergence): the learning rate where the loss falls fastest against log(lr), and a tenth of
/// the learning rate with the lowest loss.
/// </summary>
/// <param name="Lrs">The learning rate of every batch run.</param>
/// <param name="Losses">The smoothed loss after every batch.</param>
/// <param name="RawLosses">The raw loss of every batch.</param>
/// <param name="SteepestLr">The learning rate where the smoothed loss falls fastest (NaN with fewer than two points).</param>
/// <param name="MinimumLr">The learning rate of the lowest smoothed loss, divided by 10 (NaN with no point).</param>
/// <param name="Diverged">True when the test stopped because the loss exceeded 4× its best.</param>
public sealed record LrFindResult(
    IReadOnlyList<double> Lrs,
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> RawLosses,
    double SteepestLr,
    double MinimumLr,
    bool Diverged)
{
    /// <summary>
    /// Writes the curve (loss against learning rate on a log axis) with both suggestions marked.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="skipEnd">Leaves out the last points (the divergence that dwarfs the rest).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <returns>The full path written.</returns>
    public string Plot(string path, int skipEnd = 5, int width = 800, int height = 500)
    {
        if (Lrs.Count == 0)
        {
            throw new InvalidOperationException("The LR finder recorded no batch: nothing to plot.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(skipEnd);
        int n = Math.Max(1, Lrs.Count - skipEnd);
        var plot = new Plot();
        PngPlot.Line(plot, Lrs.Take(n).Select(Math.Log10).ToArray(), Losses.Take(n).ToArray(), "smoothed loss");
        Mark(plot, SteepestLr, "steepest", Colors.OrangeRed);
        Mark(plot, MinimumLr, "minimum / 10", Colors.Green);
        PngPlot.LogBottomAxis(plot);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title("Learning-rate finder");
        plot.XLabel("learning rate (log scale)");
        plot.YLabel("loss");
        return PngPlot.Save(plot, path, width, height);
    }

    internal static LrFindResult From(double[] lrs, double[] losses, double[] raw, bool diverged)
    {
        // fastai reads suggestions off the curve without its noisy start and its diverging end.
        int start = lrs.Length / 10;
        int end = lrs.Length - 5;
        if (end - start < 2)
        {
            start = 0;
            end = lrs.Length;
        }

        double minimum = double.NaN;
        double steepest = double.NaN;
        if (end > start)
        {
            int best = start;
            for (int i = start; i < end; i++)
            {
                if (losses[i] < losses[best])
                {
                    best = i;
                }
            }

            minimum = lrs[best] / 10;
        }

        if (end - start >= 2)
        {
            int steep = start;
            double steepSlope = double.PositiveInfinity;
            for (int i = start; i < end - 1; i++)
            {
                double slope = (losses[i + 1] - losses[i]) / (Math.Log(lrs[i + 1]) - Math.Log(lrs[i]));
                if (slope < steepSlope)
                {
                    steepSlope = slope;
                    steep = i;
                }
            }

            steepest = lrs[steep];
        }

        return new LrFindResult(lrs, losses, raw, steepest, minimum, diverged);
    }

    private static void Mark(Plot plot, double lr, string label, Color color)
    {
        if (double.IsFinite(lr) && lr > 0)
        {
            var line = plot.Add.VerticalLine(Math.Log10(lr));
            line.LegendText = $"{label}: {lr:0.###e+0}";
            line.Color = color;
            line.LinePattern = LinePattern.Dashed;
        }
    }
}
