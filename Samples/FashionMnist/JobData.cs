using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// The main job's data, from an MNIST-format folder (in memory, the fast path) or from an image folder
/// (<c>--images</c>: PNG/JPEG/BMP decoded on loader threads): the loaders, the batch transforms that
/// bring a batch to the model (normalise with the training set's statistics, reshape), and what to print.
/// </summary>
public sealed class JobData : IDisposable
{
    /// <summary>The size every image of an image folder is brought to (the models take 28 x 28 grey images).</summary>
    public const int ImageSize = 28;

    private readonly IDisposable[] owned;
    private ImageFolderDataset? validImages;

    private JobData(DataBunch bunch, Callback[] transforms, long trainCount, long validCount, string description, string folder, IReadOnlyList<string> classNames, IDisposable[] owned)
    {
        Bunch = bunch;
        Transforms = transforms;
        TrainCount = trainCount;
        ValidCount = validCount;
        Description = description;
        Folder = folder;
        ClassNames = classNames;
        this.owned = owned;
    }

    /// <summary>The training and validation loaders.</summary>
    public DataBunch Bunch { get; }

    /// <summary>Callbacks that turn a batch into the model's input (normalise, reshape), in order.</summary>
    public IReadOnlyList<Callback> Transforms { get; }

    /// <summary>Training samples.</summary>
    public long TrainCount { get; }

    /// <summary>Validation samples.</summary>
    public long ValidCount { get; }

    /// <summary>What the first output line says about the data.</summary>
    public string Description { get; }

    /// <summary>The folder the data came from.</summary>
    public string Folder { get; }

    /// <summary>The class names, by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Loads what <paramref name="options"/> asks for.</summary>
    /// <param name="options">The job's options (data or images folder, counts, batch size, seed, workers).</param>
    /// <param name="where">The MNIST-format folder to use when no image folder is given.</param>
    /// <param name="shuffle">The training order's generator.</param>
    /// <param name="device">Where batches go.</param>
    public static JobData Load(JobOptions options, FashionMnistLocation where, Generator shuffle, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(where);
        long[] shape = Models.InputShape(options.Model);
        if (options.Images is string images)
        {
            return LoadImages(Path.GetFullPath(images), options, shape, shuffle, device);
        }

        MnistData all = MnistFolder.Load(where.Folder);
        MnistData data = all.Take(Math.Min(options.TrainCount ?? long.MaxValue, all.TrainCount), Math.Min(options.ValidCount ?? long.MaxValue, all.TestCount));
        (float mean, float std) = MeanAndStd(data.TrainImages);
        DataBunch bunch = data.ToDataBunch(options.BatchSize, generator: shuffle, device: device);

        // Normalise with the training set's statistics and shape for the model, on the device, per batch.
        // Built from data (not a function), so the export carries it and predict mode applies it to raw images.
        var toModelInput = BatchTransform.Of(ExportedTransform.ForNormalize(tensor(mean), tensor(std)), ExportedTransform.ForReshape(shape));
        return new JobData(bunch, [toModelInput], data.TrainCount, data.TestCount, where.Description, where.Folder, FashionMnistData.ClassNames, [bunch, data, all]);
    }

    /// <summary>
    /// The validation images as one tensor [N, C, H, W] in [0, 1] for plots (created in the caller's dispose
    /// scope), when they come from an image folder; null for MNIST-format data, whose in-memory loader has them.
    /// </summary>
    public Tensor? ValidImagesForPlots()
    {
        if (validImages is not ImageFolderDataset images)
        {
            return null;
        }

        int size = images.Channels * images.Height * images.Width;
        float[] values = new float[images.Count * size];
        for (long i = 0; i < images.Count; i++)
        {
            ReadOnlySpan<byte> pixels = images.Pixels(i).Span;
            for (int k = 0; k < size; k++)
            {
                values[(i * size) + k] = pixels[k] / 255f;
            }
        }

        return tensor(values, [images.Count, images.Channels, images.Height, images.Width]);
    }

    /// <summary>Releases the loaders and the tensors behind them.</summary>
    public void Dispose()
    {
        foreach (IDisposable d in owned)
        {
            d.Dispose();
        }
    }

    private static JobData LoadImages(string folder, JobOptions options, long[] shape, Generator shuffle, Device device)
    {
        var decode = new ImageOptions { Mode = ImageMode.Grayscale, Size = (ImageSize, ImageSize) };
        ImageFolderData all = ImageFolderData.FromFolder(folder, decode, seed: options.Seed);
        var images = new ImageFolderData(Take(all.Train, options.TrainCount, options.Seed), Take(all.Valid, options.ValidCount, options.Seed));
        Normalize normalize = images.Normalize();
        DataBunch bunch = images.ToDataBunch(options.BatchSize, generator: shuffle, workers: options.Workers).To(device);
        var reshape = BatchTransform.Of(ExportedTransform.ForReshape(shape));
        string description = string.Create(CultureInfo.InvariantCulture,
            $"image folder {folder} ({images.ClassNames.Count} classes; grey {ImageSize} x {ImageSize}; {options.Workers} loader thread(s); {normalize.Stats})");
        return new JobData(bunch, [normalize, reshape], images.Train.Count, images.Valid.Count, description, folder, images.ClassNames, [bunch]) { validImages = images.Valid };
    }

    // The folders list images class by class: a quick run takes a seeded random subset, so every class is in it.
    private static ImageFolderDataset Take(ImageFolderDataset images, int? count, int seed)
    {
        if (count is not int n || n >= images.Count)
        {
            return images;
        }

        long[] order = new long[images.Count];
        for (long i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        new Random(seed).Shuffle(order);
        return images.Subset(order[..n].Order());
    }

    private static (float Mean, float Std) MeanAndStd(Tensor images)
    {
        using DisposeScope scope = NewDisposeScope();
        return (images.mean().item<float>(), images.std().item<float>());
    }
}
