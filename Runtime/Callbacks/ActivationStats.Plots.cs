using ScottPlot;

namespace CallbackGen;

/// <content>The activation statistics as a PNG chart.</content>
public sealed partial class ActivationStats
{
    /// <summary>
    /// Writes three charts side by side — mean, standard deviation and near-zero fraction of each
    /// layer's output against the training batch — the picture of the init study (shrinking
    /// activations show as standard deviations falling layer by layer).
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="width">The image's width in pixels.</param>
    /// <param name="height">The image's height in pixels.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">No training batch has been recorded.</exception>
    public string Plot(string path, int width = 1200, int height = 400)
    {
        if (history.Count == 0)
        {
            throw new InvalidOperationException("ActivationStats has recorded no training batch yet: fit with it attached first.");
        }

        // A new Multiplot already holds one empty plot: use it for the first chart.
        var multi = new Multiplot();
        int chart = 0;
        foreach (var (title, data) in new[] { ("mean", Mean), ("std", Std), ($"fraction |x| < {NearZero:g3}", NearZeroFraction) })
        {
            ScottPlot.Plot plot = chart++ < multi.Subplots.Count ? multi.GetPlot(chart - 1) : multi.AddPlot();
            for (int layer = 0; layer < Layers.Count; layer++)
            {
                double[] ys = data[layer];
                PngPlot.Line(plot, Enumerable.Range(0, ys.Length).Select(i => (double)i).ToArray(), ys, Layers[layer]);
            }

            plot.Title(title);
            plot.XLabel("training batch");
            plot.ShowLegend();
        }

        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 1, columns: multi.Subplots.Count);
        return PngPlot.Save(multi, path, width, height);
    }
}
