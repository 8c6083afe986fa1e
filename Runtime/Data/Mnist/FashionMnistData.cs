namespace CallbackGen.Data;

/// <summary>
/// Where Fashion-MNIST lives: Debian's full copy (<c>apt-get install dataset-fashion-mnist</c>)
/// or the subset embedded in this repository (<c>Samples/Data/fashion-mnist-subset</c>: the first
/// 12,000 training and 2,000 test images in file order; see its README).
/// </summary>
/// <example>
/// <code>
/// FashionMnistLocation where = FashionMnistData.DefaultLocation();
/// Console.WriteLine(where.Description);
/// using MnistData data = MnistFolder.Load(where.Folder);
/// using DataBunch bunch = data.ToDataBunch(batchSize: 64, generator: new Generator(42));
/// </code>
/// </example>
public static class FashionMnistData
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts the full dataset.</summary>
    public const string SystemFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The embedded subset's folder, relative to the repository root.</summary>
    public const string EmbeddedSubsetPath = "Samples/Data/fashion-mnist-subset";

    /// <summary>The embedded subset's folder name (as copied next to a program's binaries).</summary>
    public const string EmbeddedSubsetFolderName = "fashion-mnist-subset";

    /// <summary>The number of training images in the embedded subset.</summary>
    public const int EmbeddedTrainCount = 12_000;

    /// <summary>The number of test images in the embedded subset.</summary>
    public const int EmbeddedTestCount = 2_000;

    /// <summary>The ten classes, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The full dataset's folder when Debian's package is installed; otherwise null.</summary>
    public static string? FindSystemCopy() => MnistFolder.Contains(SystemFolder) ? SystemFolder : null;

    /// <summary>
    /// Finds the embedded subset: first <c>fashion-mnist-subset</c> beside the program's binaries
    /// (where a project that copies it to its output puts it), then
    /// <c>Samples/Data/fashion-mnist-subset</c> in <paramref name="startDirectory"/> or any folder
    /// above it (a clone of the repository). Null when not found.
    /// </summary>
    /// <param name="startDirectory">Where to start looking upwards; default the program's base directory.</param>
    public static string? FindEmbeddedSubset(string? startDirectory = null)
    {
        string beside = Path.Combine(AppContext.BaseDirectory, EmbeddedSubsetFolderName);
        if (startDirectory is null && MnistFolder.Contains(beside))
        {
            return beside;
        }

        for (DirectoryInfo? dir = new(startDirectory ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, EmbeddedSubsetPath);
            if (MnistFolder.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// The default data: the full dataset when Debian's copy is installed, else the embedded subset.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither is present.</exception>
    public static FashionMnistLocation DefaultLocation()
    {
        if (FindSystemCopy() is string system)
        {
            return new FashionMnistLocation(system, IsEmbeddedSubset: false, $"full Fashion-MNIST (60,000 train / 10,000 test) from {system}");
        }

        if (FindEmbeddedSubset() is string embedded)
        {
            return new FashionMnistLocation(embedded, IsEmbeddedSubset: true, $"embedded Fashion-MNIST subset ({EmbeddedTrainCount:N0} train / {EmbeddedTestCount:N0} test) from {embedded}");
        }

        throw new DirectoryNotFoundException(
            $"No Fashion-MNIST found: neither {SystemFolder} (apt-get install dataset-fashion-mnist) nor the embedded subset {EmbeddedSubsetPath} (beside the program or in a folder above {AppContext.BaseDirectory}). Pass an MNIST-format folder explicitly.");
    }
}
