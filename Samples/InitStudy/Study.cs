using System.Globalization;
using CallbackGen.Data;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.InitStudy;

/// <summary>
/// The lesson's "why √5" study: passes one batch of normalised images through a deep stack of
/// layers initialised three ways and measures, with <see cref="ActivationStats"/>, the mean and
/// standard deviation after every layer. TorchSharp's default init shrinks the activations layer
/// by layer, N(0,1) blows them up, and kaiming_normal_ keeps them on scale — or whatever the
/// measurement says: the conclusion is computed, not written in advance.
/// </summary>
public static class Study
{
    /// <summary>The plot's file name in the output folder.</summary>
    public const string PlotFile = "init_std_by_depth.png";

    /// <summary>Runs the study, prints the tables and the conclusion, and writes the plot.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the tables go.</param>
    public static StudyResult Run(StudyOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        FashionMnistLocation where = options.Data is string folder
            ? new FashionMnistLocation(folder, IsEmbeddedSubset: false, $"MNIST-format folder {folder}")
            : FashionMnistData.DefaultLocation();
        output.WriteLine($"data: {where.Description}; the first {options.Images} training images, normalised to mean 0, std 1");

        using MnistData all = MnistFolder.Load(where.Folder);
        using DisposeScope scope = NewDisposeScope();
        Tensor images = all.TrainImages.narrow(0, 0, Math.Min(options.Images, all.TrainCount));
        Tensor x = (images - images.mean()) / images.std();
        Tensor y = all.TrainLabels.narrow(0, 0, x.shape[0]);

        var stacks = new List<StackStudy>();
        foreach (string stack in Stacks.Names)
        {
            var schemes = InitStudySchemes(stack, options, x, y);
            var study = new StackStudy(stack, schemes);
            Print(study, output);
            stacks.Add(study);
        }

        string conclusion = "conclusion: " + string.Join("; ", stacks.Select(s =>
            string.Create(CultureInfo.InvariantCulture,
                $"{s.Stack} stack: {s.Best.Scheme} keeps std nearest 1 (last weight layer's std: {string.Join(", ", s.Schemes.Select(m => $"{m.Scheme} {m.WeightLayerStds[^1]:G3}"))})")));
        output.WriteLine(conclusion);

        string outDir = Path.GetFullPath(options.Out ?? Path.Combine("runs", "init-study-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        string plot = PlotStdByDepth(stacks, Path.Combine(outDir, PlotFile));
        output.WriteLine($"wrote {plot}");
        return new StudyResult(stacks, conclusion, plot);
    }

    private static List<SchemeStats> InitStudySchemes(string stack, StudyOptions options, Tensor x, Tensor y)
    {
        long[] shape = Stacks.InputShape(stack);
        var results = new List<SchemeStats>();
        foreach (InitScheme scheme in InitScheme.All)
        {
            manual_seed(options.Seed);
            using var model = Stacks.Create(stack, Stacks.DepthOf(stack, options.Depth), scheme);

            // One batch holding every image; MeasureOnly stops each batch after the forward pass,
            // so the weights are measured exactly as initialised.
            using DataBunch data = DataBunch.FromTensors(x, y, x, y, batchSize: (int)x.shape[0]);
            using var stats = new ActivationStats();
            using var learn = new Learner(model, data, Losses.CrossEntropy, cbs: [new BatchTransform(b => b.view(shape)), new MeasureOnly()]);
            learn.Fit(1, cbs: [stats]);
            results.Add(new SchemeStats(scheme.Name, stats.Layers.Select((layer, i) => new LayerStats(layer, stats.Mean[i][0], stats.Std[i][0])).ToArray()));
        }

        return results;
    }

    private static void Print(StackStudy study, TextWriter output)
    {
        const int NameWidth = 9, ColumnWidth = 22;
        output.WriteLine();
        output.WriteLine($"{study.Stack} stack: mean / std of each layer's output");
        output.WriteLine("layer".PadRight(NameWidth) + string.Concat(study.Schemes.Select(s => s.Scheme.PadLeft(ColumnWidth))));
        for (int i = 0; i < study.Schemes[0].Layers.Count; i++)
        {
            output.WriteLine(study.Schemes[0].Layers[i].Layer.PadRight(NameWidth) + string.Concat(study.Schemes.Select(s =>
                string.Create(CultureInfo.InvariantCulture, $"{s.Layers[i].Mean,10:G3} /{s.Layers[i].Std,10:G3}").PadLeft(ColumnWidth))));
        }

        output.WriteLine("mean |ln std| over weight layers:" + string.Concat(study.Schemes.Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"  {s.Scheme} {s.DistanceFromUnitStd:F2}"))));
    }

    private static string PlotStdByDepth(IReadOnlyList<StackStudy> stacks, string path)
    {
        Plot[] plots = stacks.Select(study =>
        {
            var plot = new Plot();
            foreach (SchemeStats s in study.Schemes)
            {
                double[] depth = Enumerable.Range(1, s.WeightLayerStds.Count).Select(d => (double)d).ToArray();
                var line = plot.Add.ScatterLine(depth, s.WeightLayerStds.Select(Math.Log10).ToArray());
                line.LegendText = s.Scheme;
                line.LineWidth = 2;
                line.MarkerSize = 6;
            }

            // Std 1 is log10 = 0: the line every scheme should stay on.
            var unit = plot.Add.HorizontalLine(0);
            unit.LinePattern = LinePattern.Dashed;
            unit.Color = Colors.Gray;
            plot.Title($"{study.Stack} stack: std after each layer");
            plot.XLabel("weight layer (depth)");
            plot.YLabel("log10(std)");
            plot.ShowLegend(Alignment.UpperLeft);
            return plot;
        }).ToArray();

        var multi = new Multiplot(plots[0]);
        foreach (Plot p in plots.Skip(1))
        {
            multi.AddPlot(p);
        }

        multi.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 1, columns: plots.Length);
        // Rendered in memory, written atomically: a rerun replaces the old chart whole or not at all.
        using ScottPlot.Image image = multi.Render(500 * plots.Length, 400);
        CallbackGen.IO.AtomicFile.WriteAllBytes(path, image.GetImageBytes(ScottPlot.ImageFormat.Png));
        return path;
    }
}
