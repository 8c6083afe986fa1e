using ScottPlot;

namespace CallbackGen;

/// <content>The recorder's charts, written as PNG files.</content>
public sealed partial class Recorder
{
    /// <summary>Writes the learning rate of every parameter group against the training batch.</summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">Nothing has been recorded yet.</exception>
    public string PlotLr(string path, int width = 800, int height = 500)
    {
        RequireBatches();
        var plot = new Plot();
        AddGroups(plot, Hyper.Lr);
        plot.Title("Learning rate");
        plot.XLabel("training batch");
        plot.YLabel("lr");
        return PngPlot.Save(plot, path, width, height);
    }

    /// <summary>
    /// Writes the training loss per batch (raw and smoothed) and, where published, the validation loss
    /// at the end of each epoch.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="skipLast">Leaves out the last batches (a diverging tail hides the rest of the curve).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">Nothing has been recorded yet.</exception>
    public string PlotLoss(string path, int skipLast = 0, int width = 800, int height = 500)
    {
        RequireBatches();
        if (skipLast < 0 || skipLast >= losses.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(skipLast), skipLast, $"skipLast must leave at least one of the {losses.Count} recorded batches.");
        }

        int n = losses.Count - skipLast;
        double[] xs = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var plot = new Plot();
        var raw = plot.Add.ScatterLine(xs, losses.Take(n).ToArray());
        raw.LegendText = "train (batch)";
        raw.LineWidth = 1;
        raw.Color = raw.Color.WithAlpha(0.35);
        PngPlot.Line(plot, xs, smoothLosses.Take(n).ToArray(), "train (smoothed)");
        var valid = epochs.Zip(epochEnds, (e, end) => (e.ValidLoss, End: end)).Where(e => e.ValidLoss.HasValue && e.End <= n).ToArray();
        if (valid.Length > 0)
        {
            var v = plot.Add.ScatterLine(valid.Select(e => (double)(e.End - 1)).ToArray(), valid.Select(e => e.ValidLoss!.Value).ToArray());
            v.LegendText = "valid";
            v.MarkerSize = 7;
            v.LineWidth = 1.5f;
        }

        plot.ShowLegend(Alignment.UpperRight);
        plot.Title("Loss");
        plot.XLabel("training batch");
        plot.YLabel("loss");
        return PngPlot.Save(plot, path, width, height);
    }

    /// <summary>Writes one chart per recorded hyper-parameter (side by side), one line per parameter group.</summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">Nothing has been recorded yet.</exception>
    public string PlotSched(string path, int width = 1000, int height = 400)
    {
        RequireBatches();
        Plot[] plots = hypers.Select(h =>
        {
            var plot = new Plot();
            AddGroups(plot, h);
            plot.Title(h.Name);
            plot.XLabel("training batch");
            return plot;
        }).ToArray();
        var multi = new Multiplot(plots[0]);
        foreach (Plot plot in plots.Skip(1))
        {
            multi.AddPlot(plot);
        }

        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 1, columns: hypers.Length);
        return PngPlot.Save(multi, path, width, height);
    }

    private void AddGroups(Plot plot, Hyper hyper)
    {
        for (int g = 0; g < GroupCount; g++)
        {
            IReadOnlyList<double> ys = Values(hyper, g);
            PngPlot.Line(plot, Enumerable.Range(0, ys.Count).Select(i => (double)i).ToArray(), ys, $"group {g}");
        }

        if (GroupCount > 1)
        {
            plot.ShowLegend(Alignment.UpperRight);
        }
    }

    private void RequireBatches()
    {
        Flush();
        if (losses.Count == 0)
        {
            throw new InvalidOperationException("The recorder has no training batch recorded yet: plot after a fit.");
        }
    }
}
