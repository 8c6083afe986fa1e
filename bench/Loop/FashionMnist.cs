using System.IO.Compression;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Fashion-MNIST as four in-memory tensors: images [N, 1, 28, 28] float32 scaled to [0, 1] and
/// normalised with the training set's mean and std, labels int64.
/// </summary>
internal sealed class FashionMnist : IDisposable
{
    public const string SystemFolder = "/usr/share/datasets/fashion-mnist";

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

    /// <summary>The full set from Debian's dataset-fashion-mnist, or the repository's embedded subset.</summary>
    public static FashionMnist Load(long? trainLimit = null, long? validLimit = null)
    {
        string folder = Directory.Exists(SystemFolder) && File.Exists(Path.Combine(SystemFolder, "train-images-idx3-ubyte.gz"))
            ? SystemFolder
            : Path.Combine(ResultsFile.RepositoryRoot(), "Samples", "Data", "fashion-mnist-subset");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"No Fashion-MNIST: neither {SystemFolder} (apt-get install dataset-fashion-mnist) nor {folder} exists.");
        }

        using var scope = NewDisposeScope();
        Tensor xTrain = Images(Find(folder, "train-images-idx3-ubyte"), trainLimit);
        Tensor yTrain = Labels(Find(folder, "train-labels-idx1-ubyte"), trainLimit);
        Tensor xValid = Images(Find(folder, "t10k-images-idx3-ubyte"), validLimit);
        Tensor yValid = Labels(Find(folder, "t10k-labels-idx1-ubyte"), validLimit);
        Tensor mean = xTrain.mean();
        Tensor std = xTrain.std();
        var data = new FashionMnist(
            folder == SystemFolder ? $"full Fashion-MNIST ({SystemFolder})" : $"the embedded subset ({folder})",
            ((xTrain - mean) / std).MoveToOuterDisposeScope(),
            yTrain.MoveToOuterDisposeScope(),
            ((xValid - mean) / std).MoveToOuterDisposeScope(),
            yValid.MoveToOuterDisposeScope());
        return data;
    }

    public void Dispose()
    {
        XTrain.Dispose();
        YTrain.Dispose();
        XValid.Dispose();
        YValid.Dispose();
    }

    private static string Find(string folder, string name)
    {
        foreach (string candidate in new[] { name, name + ".gz" })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{name}[.gz] not found in {folder}.");
    }

    // A minimal IDX reader (magic, big-endian dimensions, unsigned bytes) enough for the benchmark's input.
    private static byte[] ReadIdx(string path, int expectedRank, out int[] dims)
    {
        using Stream file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var r = new BinaryReader(s);
        byte[] magic = r.ReadBytes(4);
        if (magic.Length != 4 || magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != expectedRank)
        {
            throw new InvalidDataException($"{path}: not an IDX file of unsigned bytes with {expectedRank} dimensions.");
        }

        dims = new int[expectedRank];
        for (int i = 0; i < expectedRank; i++)
        {
            byte[] b = r.ReadBytes(4);
            dims[i] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        }

        long length = dims.Aggregate(1L, (a, d) => a * d);
        byte[] data = r.ReadBytes(checked((int)length));
        if (data.Length != length)
        {
            throw new InvalidDataException($"{path}: {data.Length} data bytes, header says {length}.");
        }

        return data;
    }

    private static Tensor Images(string path, long? limit)
    {
        byte[] bytes = ReadIdx(path, 3, out int[] dims);
        long n = Math.Min(dims[0], limit ?? long.MaxValue);
        using Tensor raw = tensor(bytes, new long[] { dims[0], 1, dims[1], dims[2] });
        using Tensor head = raw.narrow(0, 0, n);
        return head.to_type(ScalarType.Float32).div_(255f);
    }

    private static Tensor Labels(string path, long? limit)
    {
        byte[] bytes = ReadIdx(path, 1, out int[] dims);
        long n = Math.Min(dims[0], limit ?? long.MaxValue);
        using Tensor raw = tensor(bytes, new long[] { dims[0] });
        using Tensor head = raw.narrow(0, 0, n);
        return head.to_type(ScalarType.Int64);
    }
}
