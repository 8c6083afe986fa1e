using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// A training and a validation <see cref="ImageFolderDataset"/> from one folder: either the
/// <c>train/</c> and <c>valid/</c> convention (<c>root/train/&lt;class&gt;/…</c>,
/// <c>root/valid/&lt;class&gt;/…</c>), or <c>root/&lt;class&gt;/…</c> split at random with a seed.
/// </summary>
/// <example><code>
/// var images = ImageFolderData.FromFolder("data/pets", new ImageOptions { Size = (64, 64) }, validPct: 0.2, seed: 42);
/// using DataBunch pets = images.ToDataBunch(batchSize: 32, generator: new Generator(42));
/// var normalize = images.Normalize();   // statistics of the training split only
/// </code></example>
public sealed class ImageFolderData
{
    private ChannelStats? stats;

    /// <summary>Pairs two datasets with the same classes.</summary>
    /// <param name="train">The training images.</param>
    /// <param name="valid">The validation images.</param>
    /// <exception cref="ArgumentException">The two have different class names or image shapes.</exception>
    public ImageFolderData(ImageFolderDataset train, ImageFolderDataset valid)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(valid);
        if (!train.ClassNames.SequenceEqual(valid.ClassNames, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The training classes ({string.Join(", ", train.ClassNames)}) differ from the validation classes ({string.Join(", ", valid.ClassNames)}).", nameof(valid));
        }

        if ((train.Channels, train.Height, train.Width) != (valid.Channels, valid.Height, valid.Width) && valid.Count > 0 && train.Count > 0)
        {
            throw new ArgumentException(
                $"Training images are {train.Channels} x {train.Height} x {train.Width} but validation images are {valid.Channels} x {valid.Height} x {valid.Width}; set ImageOptions.Size.", nameof(valid));
        }

        Train = train;
        Valid = valid;
    }

    /// <summary>The name of the training sub-folder in the folder convention.</summary>
    public const string TrainFolder = "train";

    /// <summary>The name of the validation sub-folder in the folder convention.</summary>
    public const string ValidFolder = "valid";

    /// <summary>The training images.</summary>
    public ImageFolderDataset Train { get; }

    /// <summary>The validation images.</summary>
    public ImageFolderDataset Valid { get; }

    /// <summary>The class names, shared by both parts.</summary>
    public IReadOnlyList<string> ClassNames => Train.ClassNames;

    /// <summary>Files left out of either part (see <see cref="ImageOptions.SkipInvalid"/>).</summary>
    public IReadOnlyList<SkippedFile> Skipped => Train.Skipped.Union(Valid.Skipped).ToArray();

    /// <summary>
    /// Reads <paramref name="root"/>: with <c>train/</c> and <c>valid/</c> sub-folders, those (the
    /// validation folder must use the training classes); otherwise <c>root/&lt;class&gt;/…</c> split at random.
    /// </summary>
    /// <param name="root">The folder.</param>
    /// <param name="options">How to decode; null: RGB at each image's own size.</param>
    /// <param name="validPct">The validation fraction of a random split (ignored with the folder convention).</param>
    /// <param name="seed">The seed of a random split.</param>
    public static ImageFolderData FromFolder(string root, ImageOptions? options = null, double validPct = 0.2, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(root);
        string train = Path.Combine(root, TrainFolder);
        string valid = Path.Combine(root, ValidFolder);
        if (Directory.Exists(train) || Directory.Exists(valid))
        {
            if (!Directory.Exists(train) || !Directory.Exists(valid))
            {
                throw new InvalidDataException($"The image folder '{root}' has only one of '{TrainFolder}' and '{ValidFolder}'; give both, or neither (then it is split at random).");
            }

            var trainSet = new ImageFolderDataset(train, options);
            return new ImageFolderData(trainSet, new ImageFolderDataset(valid, options, trainSet.ClassNames));
        }

        var all = new ImageFolderDataset(root, options);
        (long[] t, long[] v) = DatasetSplit.Random(all.Count, validPct, seed);
        return new ImageFolderData(all.Subset(t), all.Subset(v));
    }

    /// <summary>The per-channel statistics of the training part (computed once; decodes and caches every training image).</summary>
    public ChannelStats Stats() => stats ??= Train.ComputeStats();

    /// <summary>A <see cref="Data.Normalize"/> with the training part's statistics.</summary>
    public Normalize Normalize() => new(Stats());

    /// <summary>A shuffled training loader and a sequential validation loader over the two parts.</summary>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="validBatchSize">Validation batch size; default twice <paramref name="batchSize"/>.</param>
    /// <param name="generator">The CPU generator for the training order; null uses torch's default generator.</param>
    /// <param name="workers">Background threads decoding and collating batches while the model trains; 0: on the training thread.</param>
    public DataBunch ToDataBunch(int batchSize, int? validBatchSize = null, Generator? generator = null, int workers = 0) =>
        DataBunch.FromDatasets(Train, Valid, batchSize, validBatchSize, generator, workers);
}
