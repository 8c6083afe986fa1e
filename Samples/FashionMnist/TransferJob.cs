using System.Diagnostics;
using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>--arch resnet18|resnet34|resnet50 --images DIR [--pretrained FILE]</c>: transfer learning as fastai's
/// first lesson does it. Reads the image folder as RGB at <see cref="ImageSize"/>, builds a
/// <see cref="VisionLearner"/> (optionally from a PyTorch <c>.pth</c>/<c>.pt</c> or <c>.safetensors</c>
/// file, whose load report it prints), fine-tunes it (<see cref="Learner.FineTune"/>: one frozen epoch,
/// then <c>--epochs</c> unfrozen) and exports it for <c>predict</c>.
/// </summary>
public static class TransferJob
{
    /// <summary>The side the images are resized to: ResNets need a few pixels per stride-32 cell.</summary>
    public const int ImageSize = 64;

    /// <summary>The base learning rate of <see cref="Learner.FineTune"/> when <c>--lr</c> is not given (fastai's).</summary>
    public const double DefaultBaseLr = 2e-3;

    /// <summary>Parses an architecture name (<c>resnet18</c> …), or null when it is not one.</summary>
    /// <param name="name">The name given on the command line.</param>
    public static VisionArchitecture? ParseArchitecture(string name) =>
        Enum.GetValues<VisionArchitecture>().Cast<VisionArchitecture?>().FirstOrDefault(a => string.Equals(a.ToString(), name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs the job: 0, or 1 with a one-line message when the data or the weights file cannot be used or the accuracy is below the floor.</summary>
    /// <param name="options">The options (<see cref="JobOptions.Arch"/>, <see cref="JobOptions.Images"/>, <see cref="JobOptions.Pretrained"/>…).</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where failures go.</param>
    public static int Run(JobOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            double accuracy = Train(options, output);
            if (!(accuracy >= options.MinAccuracy))
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: the final accuracy {accuracy:P2} is below the sanity floor {options.MinAccuracy:P0}."));
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or DataLoaderException)
        {
            // CheckpointException (a weights file that cannot be read or does not fit) is an IOException.
            error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failure;
        }
    }

    private static double Train(JobOptions options, TextWriter output)
    {
        VisionArchitecture arch = ParseArchitecture(options.Arch!) ?? throw new InvalidDataException($"--arch {options.Arch}: not one of {string.Join(", ", Enum.GetNames<VisionArchitecture>()).ToLowerInvariant()}.");
        string images = options.Images ?? throw new InvalidDataException("--arch fine-tunes on an image folder: give --images DIR (class sub-folders, or train/ and valid/).");
        var clock = Stopwatch.StartNew();
        string outDir = Path.GetFullPath(options.Out ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        Directory.CreateDirectory(outDir);
        if (options.Threads is int threads)
        {
            set_num_threads(threads);
        }

        manual_seed(options.Seed);
        var folder = ImageFolderData.FromFolder(images, new ImageOptions { Size = (ImageSize, ImageSize), Mode = ImageMode.Rgb }, seed: options.Seed);
        using var shuffle = new Generator((ulong)options.Seed);
        using DataBunch data = folder.ToDataBunch(options.BatchSize, generator: shuffle, workers: options.Workers);
        output.WriteLine($"data: {images}: {folder.Train.Count:N0} training / {folder.Valid.Count:N0} validation images, {folder.ClassNames.Count} classes, RGB {ImageSize}x{ImageSize}");

        using Learner learn = VisionLearner.Create(data, folder.ClassNames.Count, arch, pretrained: options.Pretrained,
            stats: options.Pretrained is null ? folder.Stats() : null, metrics: [Metric.Accuracy]);
        var model = (VisionModel)learn.Model;
        output.WriteLine(model.PretrainedReport is { } report
            ? $"pretrained: {report}\nnormalised with ImageNet's statistics"
            : $"from scratch ({arch}, random weights); normalised with the folder's statistics {folder.Stats()}");

        double lr = options.Lr ?? DefaultBaseLr;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fine-tune: 1 frozen epoch (body frozen, head trains), then {options.Epochs} unfrozen; base lr {lr:G3}, batch size {options.BatchSize}"));
        using var progress = ReferenceEquals(output, Console.Out) ? new Progress() : new Progress(output);
        learn.FineTune(options.Epochs, baseLr: lr, cbs: [progress]);

        PhaseStats valid = learn.ValidStats ?? learn.Validate();
        string export = learn.Export(Path.Combine(outDir, FashionMnistJob.ExportFile), modelName: arch.ToString().ToLowerInvariant(), modelVersion: FashionMnistJob.ExportVersion, classNames: folder.ClassNames);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {valid["accuracy"]:P2}, valid loss {valid.Loss:F4}; export {export}; {clock.Elapsed.TotalSeconds:F0} s"));
        return valid["accuracy"];
    }
}
