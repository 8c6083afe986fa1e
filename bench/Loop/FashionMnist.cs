using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Fashion-MNIST for the benchmark, read with the runtime's IDX reader: images [N, 1, 28, 28] float32
/// normalised with the training set's mean and std, labels int64.
/// </summary>
internal sealed class FashionMnist : IDisposable
{
    private FashionMnist(string description, Tensor xTrain, Tensor yTrain, Tensor xValid, Tensor yValid)
    {
        Description = description;
        XTrain = xTrain;
        YTrain = yTrain;
        XValid = xValid;
        YValid = yValid;
    }

    public string Description { get; }

    public Tensor XTrain { get; }

    public Tensor YTrain { get; }

    public Tensor XValid { get; }

    public Tensor YValid { get; }

    public long TrainCount => XTrain.shape[0];

    public long ValidCount => XValid.shape[0];

    /// <summary>
    /// The full set (Debian's dataset-fashion-mnist) when installed, else the embedded subset; optionally only the first
    /// samples. With <paramref name="fullSize"/> the embedded subset is tiled to the full set's 60,000 / 10,000 samples, so
    /// an epoch is as long as the full set's (a 12,000-sample MLP epoch lasts about 50 ms: too short to time reliably).
    /// </summary>
    public static FashionMnist Load(long? trainLimit = null, long? validLimit = null, bool fullSize = false)
    {
        FashionMnistLocation location = FashionMnistData.DefaultLocation();
        return Load(location, trainLimit, validLimit, fullSize && location.IsEmbeddedSubset ? 5 : 1);
    }

    /// <summary>The repository's embedded subset (the main job's default data on a fresh clone).</summary>
    public static FashionMnist LoadEmbeddedSubset()
    {
        string folder = FashionMnistData.FindEmbeddedSubset(ResultsFile.RepositoryRoot())
            ?? throw new DirectoryNotFoundException($"The embedded subset {FashionMnistData.EmbeddedSubsetPath} is missing.");
        string shown = Path.GetRelativePath(ResultsFile.RepositoryRoot(), folder);
        return Load(new FashionMnistLocation(folder, IsEmbeddedSubset: true, $"the embedded Fashion-MNIST subset ({shown})"), null, null, 1);
    }

    private static FashionMnist Load(FashionMnistLocation location, long? trainLimit, long? validLimit, int tiles)
    {
        using MnistData all = MnistFolder.Load(location.Folder);
        long nTrain = Math.Min(all.TrainCount, trainLimit ?? long.MaxValue);
        long nValid = Math.Min(all.TestCount, validLimit ?? long.MaxValue);
        using var scope = NewDisposeScope();
        Tensor xTrain = all.TrainImages.narrow(0, 0, nTrain).unsqueeze(1);
        Tensor xValid = all.TestImages.narrow(0, 0, nValid).unsqueeze(1);
        Tensor mean = xTrain.mean();
        Tensor std = xTrain.std();
        string limited = nTrain < all.TrainCount || nValid < all.TestCount ? $", first {nTrain:N0} / {nValid:N0} samples" : string.Empty;
        string tiled = tiles > 1 ? $", tiled {tiles} times to {nTrain * tiles:N0} / {nValid * tiles:N0} samples (the full set's size)" : string.Empty;
        Tensor Tile(Tensor t) => tiles > 1 ? cat(Enumerable.Repeat(t, tiles).ToArray(), 0) : t;
        return new FashionMnist(
            location.Description + limited + tiled,
            Tile((xTrain - mean) / std).contiguous().MoveToOuterDisposeScope(),
            Tile(all.TrainLabels.narrow(0, 0, nTrain)).clone().MoveToOuterDisposeScope(),
            Tile((xValid - mean) / std).contiguous().MoveToOuterDisposeScope(),
            Tile(all.TestLabels.narrow(0, 0, nValid)).clone().MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        XTrain.Dispose();
        YTrain.Dispose();
        XValid.Dispose();
        YValid.Dispose();
    }
}
