namespace CallbackGen.Data;

/// <summary>
/// Loads a folder in the MNIST layout: the four standard file names, each raw or gzip-compressed
/// (<c>.gz</c>); MNIST, Fashion-MNIST and KMNIST all ship this way.
/// </summary>
public static class MnistFolder
{
    /// <summary>The training images file name (without <c>.gz</c>).</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>The training labels file name (without <c>.gz</c>).</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>The test images file name (without <c>.gz</c>).</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>The test labels file name (without <c>.gz</c>).</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The four standard file names (without <c>.gz</c>), training images first.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>True when <paramref name="folder"/> holds all four files (raw or <c>.gz</c>).</summary>
    /// <param name="folder">The folder to look in.</param>
    public static bool Contains(string folder) =>
        Directory.Exists(folder) && FileNames.All(name => FindFile(folder, name) is not null);

    /// <summary>
    /// The path of <paramref name="fileName"/> in <paramref name="folder"/>: the raw file if present,
    /// else the <c>.gz</c> one; null when neither exists.
    /// </summary>
    /// <param name="folder">The folder to look in.</param>
    /// <param name="fileName">A standard file name without <c>.gz</c>.</param>
    public static string? FindFile(string folder, string fileName)
    {
        string raw = Path.Combine(folder, fileName);
        if (File.Exists(raw))
        {
            return raw;
        }

        string gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>Reads the four files of <paramref name="folder"/>, checking each pair's counts agree.</summary>
    /// <param name="folder">An MNIST-format folder.</param>
    /// <param name="scale">True (default): images as float32 in [0, 1]; false: uint8.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A standard file is missing (the message names every missing one).</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or images and labels counts differ.</exception>
    public static MnistData Load(string folder, bool scale = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The MNIST-format folder '{folder}' does not exist.");
        }

        string[] paths = new string[FileNames.Count];
        var missing = new List<string>();
        for (int i = 0; i < paths.Length; i++)
        {
            string? path = FindFile(folder, FileNames[i]);
            if (path is null)
            {
                missing.Add(FileNames[i]);
            }

            paths[i] = path ?? string.Empty;
        }

        if (missing.Count > 0)
        {
            throw new FileNotFoundException(
                $"The MNIST-format folder '{folder}' lacks {string.Join(", ", missing)} (each may be raw or end in .gz); it needs {string.Join(", ", FileNames)}.",
                Path.Combine(folder, missing[0]));
        }

        (var trainImages, var trainLabels) = IdxReader.ReadImagesAndLabels(paths[0], paths[1], scale);
        try
        {
            (var testImages, var testLabels) = IdxReader.ReadImagesAndLabels(paths[2], paths[3], scale);
            return new MnistData(folder, trainImages, trainLabels, testImages, testLabels);
        }
        catch
        {
            trainImages.Dispose();
            trainLabels.Dispose();
            throw;
        }
    }
}
