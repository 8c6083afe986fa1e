using System.Globalization;
using ScottPlot;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <content>The confusion matrix and the top losses as PNG files.</content>
public sealed partial class ClassificationInterpretation
{
    /// <summary>
    /// Writes the confusion matrix as a PNG heat map: actual classes down, predicted classes across,
    /// class names on both axes and each cell's count written in it.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="size">The image's width and height in pixels.</param>
    /// <returns>The full path written.</returns>
    public string PlotConfusionMatrix(string path, int size = 800)
    {
        int k = ClassNames.Count;
        var plot = new Plot();
        var values = new double[k, k];
        long max = 1;
        for (int a = 0; a < k; a++)
        {
            for (int p = 0; p < k; p++)
            {
                values[a, p] = confusion[a, p];
                max = Math.Max(max, confusion[a, p]);
            }
        }

        // Row 0 of a heat map is drawn at the top; cell (a, p) is centred on (p, k − 1 − a).
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        heatmap.Rectangle = new CoordinateRect(-0.5, k - 0.5, -0.5, k - 0.5);
        for (int a = 0; a < k; a++)
        {
            for (int p = 0; p < k; p++)
            {
                var text = plot.Add.Text(confusion[a, p].ToString(CultureInfo.InvariantCulture), p, k - 1 - a);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = k > 12 ? 9 : 13;
                // Dark text on light cells, light text on dark ones, whichever end of the colour map is light.
                Color cell = heatmap.Colormap.GetColor(confusion[a, p] / (double)max);
                text.LabelFontColor = (0.299 * cell.R) + (0.587 * cell.G) + (0.114 * cell.B) > 140 ? Colors.Black : Colors.White;
            }
        }

        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, ClassNames.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions.Select(v => k - 1 - v).ToArray(), ClassNames.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);

        // Room for the rotated class names under the matrix and the axis label below them.
        int longest = ClassNames.Max(n => n.Length);
        plot.Axes.Bottom.MinimumSize = 30 + (7 * longest);
        plot.Axes.Left.MinimumSize = 30 + (7 * longest);
        plot.XLabel("predicted");
        plot.YLabel("actual");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Confusion matrix ({Count:N0} samples, accuracy {Accuracy:P1})"));
        return PngPlot.Save(plot, path, size, size);
    }

    /// <summary>
    /// Writes the <paramref name="k"/> samples with the largest losses as a PNG grid of images, each
    /// titled with its actual and predicted class, loss and probability.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder is created).</param>
    /// <param name="k">How many images.</param>
    /// <param name="images">
    /// The images, indexed like the predictions: [N, H, W], [N, C, H, W] (the first channel is shown) or
    /// [N, H·W] for square images; null uses the inputs given to the constructor.
    /// </param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">No images are at hand.</exception>
    public string PlotTopLosses(string path, int k = 9, Tensor? images = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        Tensor source = images ?? Inputs ?? throw new InvalidOperationException(
            "PlotTopLosses needs the images: pass them, or build the interpretation from an unshuffled in-memory loader.");
        if (source.shape[0] != Count)
        {
            throw new ArgumentException($"The images hold {source.shape[0]} samples but there are {Count} predictions.", nameof(images));
        }

        IReadOnlyList<TopLoss> top = TopLosses(k);
        int columns = (int)Math.Ceiling(Math.Sqrt(top.Count));
        int rows = (top.Count + columns - 1) / columns;
        var multi = new Multiplot();
        for (int i = 0; i < top.Count; i++)
        {
            Plot plot = i < multi.Subplots.Count ? multi.GetPlot(i) : multi.AddPlot();
            TopLoss t = top[i];
            var heatmap = plot.Add.Heatmap(Pixels(source, t.Index));
            heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
            plot.Axes.Frameless();
            plot.HideGrid();
            plot.Title(string.Create(CultureInfo.InvariantCulture, $"{t.Actual} → {t.Predicted}\nloss {t.Loss:F2}, p {t.Probability:F2}"), size: 12);
        }

        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        return PngPlot.Save(multi, path, 220 * columns, 240 * rows);
    }

    private static double[,] Pixels(Tensor images, long index)
    {
        using var scope = NewDisposeScope();
        Tensor img = images[index].detach().cpu().to_type(ScalarType.Float64);
        if (img.dim() == 3)
        {
            img = img[0];
        }
        else if (img.dim() == 1)
        {
            long side = (long)Math.Round(Math.Sqrt(img.shape[0]));
            if (side * side != img.shape[0])
            {
                throw new ArgumentException($"A flat image of {img.shape[0]} values is not square; pass the images as [N, H, W].");
            }

            img = img.view(side, side);
        }

        if (img.dim() != 2)
        {
            throw new ArgumentException("Images must be [N, H, W], [N, C, H, W] or [N, H·W].");
        }

        long h = img.shape[0], w = img.shape[1];
        double[] data = img.contiguous().data<double>().ToArray();
        var pixels = new double[h, w];
        for (long y = 0; y < h; y++)
        {
            for (long x = 0; x < w; x++)
            {
                pixels[y, x] = data[(y * w) + x];
            }
        }

        return pixels;
    }
}
