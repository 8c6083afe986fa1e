using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Images sorted into one folder per class (<c>root/&lt;class&gt;/&lt;image&gt;</c>, as fastai's
/// <c>ImageDataLoaders.from_folder</c> and Keras's <c>image_dataset_from_directory</c> read them), or a
/// list of files with labels. A sample is the image as float32 [channels, height, width] in [0, 1] and
/// its class index as an int64 scalar.
/// </summary>
/// <remarks>
/// <para>
/// Class names are the class folders' names in ordinal order (<see cref="ClassNames"/>); class index
/// <c>i</c> is <c>ClassNames[i]</c>. Files whose extension is not .png, .jpg, .jpeg or .bmp are not
/// images and are left out of a folder (listed in <see cref="Ignored"/>); the content, not the
/// extension, decides how an image is decoded.
/// </para>
/// <para>
/// Creating the dataset reads every file's header (a missing, empty or corrupt file fails here, with
/// its name) and, with <see cref="ImageOptions.SkipInvalid"/>, decodes every file to find the ones to
/// leave out. Images are decoded when a sample is first read; with <see cref="ImageOptions.CacheDecoded"/>
/// (the default) the decoded bytes at the requested size are kept, so no image is decoded twice: bytes,
/// not tensors, because they are a quarter of a float32 tensor's size, belong to no dispose scope and
/// can be read by several loader threads at once.
/// </para>
/// </remarks>
/// <example><code>
/// var cats = new ImageFolderDataset("data/pets/train", new ImageOptions { Size = (64, 64) });
/// Console.WriteLine($"{cats.Count} images of {string.Join(", ", cats.ClassNames)}");
/// </code></example>
public sealed class ImageFolderDataset : IDataset<Sample>, IHostBatchDataset
{
    private readonly Store store;
    private readonly int[] ids;

    /// <summary>Reads <c>root/&lt;class&gt;/&lt;image&gt;</c>: one class per sub-folder of <paramref name="root"/>.</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="options">How to decode; null: RGB at each image's own size.</param>
    /// <param name="classNames">
    /// The classes to expect (e.g. the training set's, for a validation folder), so that the same class
    /// has the same index in both; a sub-folder not among them is an error. Null: the sub-folders' names.
    /// </param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No class folders, an unknown class, or a file that cannot be used (named).</exception>
    public ImageFolderDataset(string root, ImageOptions? options = null, IReadOnlyList<string>? classNames = null)
        : this(ListFolder(root, classNames, out string[] names, out List<string> ignored), options ?? new ImageOptions(), names, ignored)
    {
    }

    /// <summary>Reads a list of files with their class names.</summary>
    /// <param name="files">The images and their labels.</param>
    /// <param name="options">How to decode; null: RGB at each image's own size.</param>
    /// <param name="classNames">All classes, in index order; null: the distinct labels in ordinal order.</param>
    /// <exception cref="InvalidDataException">A label not in <paramref name="classNames"/>, or a file that cannot be used (named).</exception>
    public ImageFolderDataset(IEnumerable<(string Path, string Label)> files, ImageOptions? options = null, IReadOnlyList<string>? classNames = null)
        : this(ListFiles(files, classNames, out string[] names), options ?? new ImageOptions(), names, [])
    {
    }

    private ImageFolderDataset(List<(string Path, long Label)> files, ImageOptions options, string[] classNames, List<string> ignored)
    {
        store = Store.Create(files, options, classNames, ignored);
        ids = Enumerable.Range(0, store.Paths.Length).ToArray();
    }

    private ImageFolderDataset(Store store, int[] ids)
    {
        this.store = store;
        this.ids = ids;
    }

    /// <summary>The class names; a sample's target is an index into this list.</summary>
    public IReadOnlyList<string> ClassNames => store.ClassNames;

    /// <summary>How the images are decoded.</summary>
    public ImageOptions Options => store.Options;

    /// <summary>Channels per image (1 for grayscale, 3 for RGB).</summary>
    public int Channels => store.Options.Channels;

    /// <summary>The height of every sample.</summary>
    public int Height => store.Height;

    /// <summary>The width of every sample.</summary>
    public int Width => store.Width;

    /// <summary>Files left out because they could not be decoded (only with <see cref="ImageOptions.SkipInvalid"/>).</summary>
    public IReadOnlyList<SkippedFile> Skipped => store.Skipped;

    /// <summary>Files in the class folders that are not images by their extension (never read).</summary>
    public IReadOnlyList<string> Ignored => store.Ignored;

    /// <inheritdoc/>
    public long Count => ids.Length;

    /// <summary>The file of sample <paramref name="index"/>.</summary>
    /// <param name="index">The sample's index.</param>
    public string PathOf(long index) => store.Paths[ids[Check(index)]];

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    /// <param name="index">The sample's index.</param>
    public long LabelOf(long index) => store.Labels[ids[Check(index)]];

    /// <summary>The number of samples of each class, in <see cref="ClassNames"/> order.</summary>
    public IReadOnlyList<int> ClassCounts()
    {
        int[] counts = new int[store.ClassNames.Length];
        foreach (int id in ids)
        {
            counts[store.Labels[id]]++;
        }

        return counts;
    }

    /// <summary>
    /// The image at <paramref name="index"/> as float32 [channels, height, width] in [0, 1] and its class
    /// index, created in the caller's dispose scope. Safe to call from several threads at once.
    /// </summary>
    /// <param name="index">The sample's index.</param>
    /// <exception cref="InvalidDataException">The image cannot be decoded (the message names the file).</exception>
    public Sample this[long index]
    {
        get
        {
            int id = ids[Check(index)];
            ReadOnlySpan<byte> pixels = store.Pixels(id).Span;
            float[] values = new float[pixels.Length];
            ToUnit(pixels, values);
            return new Sample(tensor(values, [Channels, Height, Width]), tensor(store.Labels[id]));
        }
    }

    /// <inheritdoc/>
    long[] IHostBatchDataset.SampleShape => [Channels, Height, Width];

    /// <inheritdoc/>
    object IHostBatchDataset.CreateWorkerState() => store.CreateScratch();

    /// <inheritdoc/>
    void IHostBatchDataset.ReadBatch(ReadOnlySpan<long> indices, int batch, HostBatch into, object workerState)
    {
        var scratch = (Scratch)workerState;
        int per = Channels * Height * Width;
        for (int k = 0; k < indices.Length; k++)
        {
            long index = indices[k];
            if ((ulong)index >= (ulong)ids.Length)
            {
                throw new DataLoaderException(index, batch, new ArgumentOutOfRangeException(nameof(indices), index, $"The dataset has {ids.Length} samples."));
            }

            int id = ids[index];
            if (!store.TryRead(id, into.X.AsSpan(k * per, per), scratch, out DecodeResult failure))
            {
                throw new DataLoaderException(index, batch, ImageDecoder.Failure(store.Paths[id], failure));
            }

            into.Y[k] = store.Labels[id];
        }

        into.Count = indices.Length;
    }

    /// <summary>
    /// The decoded bytes of sample <paramref name="index"/>, channel-first (C × H × W), 0–255. Shared with
    /// the cache: do not modify.
    /// </summary>
    /// <param name="index">The sample's index.</param>
    public ReadOnlyMemory<byte> Pixels(long index) => store.Pixels(ids[Check(index)]);

    /// <summary>
    /// The samples at <paramref name="indices"/> (in that order) as a dataset with the same classes,
    /// options and cache: the decoded images are shared, not decoded again.
    /// </summary>
    /// <param name="indices">Indices into this dataset.</param>
    public ImageFolderDataset Subset(IEnumerable<long> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new ImageFolderDataset(store, indices.Select(i => ids[Check(i)]).ToArray());
    }

    /// <summary>
    /// The per-channel mean and standard deviation of the pixel values in [0, 1] over every image of this
    /// dataset (decoding, and caching, each one, on all cores): the statistics <see cref="Normalize"/> needs.
    /// </summary>
    public ChannelStats ComputeStats()
    {
        int channels = Channels;
        int plane = Height * Width;

        // Integer sums per image are exact, so the result does not depend on how the work was divided.
        long[] sums = new long[Count * channels];
        long[] squares = new long[Count * channels];
        var errors = new Exception?[Count];
        Parallel.For(0, Count, i =>
        {
            ReadOnlySpan<byte> pixels;
            try
            {
                pixels = Pixels(i).Span;
            }
            catch (Exception ex)
            {
                errors[i] = ex;
                return;
            }

            for (int c = 0; c < channels; c++)
            {
                long s = 0, q = 0;
                foreach (byte b in pixels.Slice(c * plane, plane))
                {
                    s += b;
                    q += b * b;
                }

                sums[(i * channels) + c] = s;
                squares[(i * channels) + c] = q;
            }
        });

        // The first broken image in the dataset's order, unwrapped (Parallel.For would wrap it in an AggregateException).
        if (errors.FirstOrDefault(e => e is not null) is Exception error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        double[] sum = new double[channels];
        double[] square = new double[channels];
        for (long k = 0; k < sums.Length; k++)
        {
            sum[k % channels] += sums[k];
            square[k % channels] += squares[k];
        }

        return ChannelStats.FromSums(sum, square, Count * (long)plane, scale: 1.0 / 255);
    }

    // Bytes 0-255 to floats in [0, 1], as every path reads them.
    private static void ToUnit(ReadOnlySpan<byte> pixels, Span<float> values)
    {
        for (int i = 0; i < pixels.Length; i++)
        {
            values[i] = pixels[i] / 255f;
        }
    }

    private long Check(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }

    private static List<(string Path, long Label)> ListFolder(string root, IReadOnlyList<string>? expected, out string[] names, out List<string> ignored)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The image folder '{root}' does not exist.");
        }

        string[] folders = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        if (folders.Length == 0)
        {
            throw new InvalidDataException($"The image folder '{root}' has no class folders: expected {Path.Combine(root, "<class>", "<image>")}.");
        }

        names = expected?.ToArray() ?? folders.Select(f => Path.GetFileName(f)).ToArray();
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        var files = new List<(string, long)>();
        ignored = [];
        foreach (string folder in folders)
        {
            string name = Path.GetFileName(folder);
            if (!index.TryGetValue(name, out long label))
            {
                throw new InvalidDataException($"The class folder '{folder}' is not one of the expected classes ({string.Join(", ", names)}).");
            }

            foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                if (ImageDecoder.HasImageExtension(file))
                {
                    files.Add((file, label));
                }
                else
                {
                    ignored.Add(file);
                }
            }
        }

        return files;
    }

    private static List<(string Path, long Label)> ListFiles(IEnumerable<(string Path, string Label)> files, IReadOnlyList<string>? expected, out string[] names)
    {
        ArgumentNullException.ThrowIfNull(files);
        var list = files.ToList();
        names = expected?.ToArray() ?? list.Select(f => f.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        var result = new List<(string, long)>(list.Count);
        foreach ((string path, string label) in list)
        {
            ArgumentNullException.ThrowIfNull(path);
            if (label is null || !index.TryGetValue(label, out long l))
            {
                throw new InvalidDataException($"The image '{path}' has the label '{label}', which is not one of the classes ({string.Join(", ", names)}).");
            }

            result.Add((path, l));
        }

        return result;
    }

    /// <summary>Decode buffers for one thread (see <see cref="Store.CreateScratch"/>).</summary>
    private sealed class Scratch(int sourceBytes, int pixelBytes)
    {
        // The calling thread's buffers for reads outside the loader (the indexer, Pixels, ComputeStats on all cores):
        // kept, so that reading photo after photo does not allocate tens of megabytes each time.
        [ThreadStatic]
        private static Scratch? threadScratch;

        /// <summary>This thread's buffers, if they are large enough, else new ones (kept for the next call).</summary>
        public static Scratch ForThread(int sourceBytes, int pixelBytes)
        {
            if (threadScratch is not Scratch s || s.Source.Length < sourceBytes || s.Pixels.Length < pixelBytes)
            {
                threadScratch = s = new Scratch(sourceBytes, pixelBytes);
            }

            return s;
        }

        /// <summary>The image at its own size as RGBA, then scaled.</summary>
        public byte[] Source { get; } = new byte[sourceBytes];

        /// <summary>One decoded sample (channels × height × width), when there is no cache to decode into.</summary>
        public byte[] Pixels { get; } = new byte[pixelBytes];
    }

    /// <summary>What a dataset and its subsets share: the files, their labels and the decoded images.</summary>
    private sealed class Store
    {
        // The cache: every image's bytes at a fixed stride, in chunks of at most ChunkBytes, reserved when the dataset is
        // made (uninitialised: the memory is taken as images are decoded into it), so that filling it allocates nothing.
        private const long ChunkBytes = 1L << 30;
        private readonly byte[][]? chunks;
        private readonly int perChunk;
        private readonly int[] decoded;

        private Store(string[] paths, long[] labels, ImageOptions options, string[] classNames, int height, int width, long maxSourcePixels, List<SkippedFile> skipped, List<string> ignored)
        {
            Paths = paths;
            NativePaths = paths.Select(ImageDecoder.NativePath).ToArray();
            Labels = labels;
            Options = options;
            ClassNames = classNames;
            Height = height;
            Width = width;
            MaxSourcePixels = maxSourcePixels;
            Skipped = skipped;
            Ignored = ignored;
            Stride = options.Channels * height * width;
            decoded = new int[paths.Length];
            if (options.CacheDecoded && paths.Length > 0 && Stride > 0)
            {
                perChunk = (int)Math.Max(1, Math.Min(paths.Length, ChunkBytes / Stride));
                chunks = new byte[(paths.Length + perChunk - 1) / perChunk][];
                for (int c = 0; c < chunks.Length; c++)
                {
                    chunks[c] = GC.AllocateUninitializedArray<byte>(Math.Min(perChunk, paths.Length - (c * perChunk)) * Stride);
                }
            }
        }

        public string[] Paths { get; }

        public byte[][] NativePaths { get; }

        public long[] Labels { get; }

        public ImageOptions Options { get; }

        public string[] ClassNames { get; }

        public int Height { get; }

        public int Width { get; }

        public long MaxSourcePixels { get; }

        public int Stride { get; }

        public List<SkippedFile> Skipped { get; }

        public List<string> Ignored { get; }

        public static Store Create(List<(string Path, long Label)> files, ImageOptions options, string[] classNames, List<string> ignored)
        {
            if (options.Size is (int h, int w) && (h < 1 || w < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"ImageOptions.Size must be at least 1 x 1; got {h} x {w}.");
            }

            // Reading headers is most of the work: all cores, then in order.
            var checks = new (int Height, int Width, Exception? Error)[files.Count];
            Parallel.For(0, files.Count, i =>
            {
                string path = files[i].Path;
                try
                {
                    if (!ImageDecoder.HasImageExtension(path))
                    {
                        throw new InvalidDataException(ImageDecoder.ExtensionError(path));
                    }

                    (int height, int width) = ImageDecoder.Probe(path);
                    checks[i] = (height, width, null);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    // Kept, to be thrown (or the file skipped) in the dataset's order below.
                    checks[i] = (0, 0, ex);
                }
            });

            (int Height, int Width, string Path)? first = null;
            foreach (((string path, _), (int height, int width, Exception? error)) in files.Zip(checks))
            {
                // Not a broken file: skipping it would hide a setup mistake.
                if (error is null && options.Size is null)
                {
                    first ??= (height, width, path);
                    if ((height, width) != (first.Value.Height, first.Value.Width))
                    {
                        throw new InvalidDataException(
                            $"The image '{path}' is {height} x {width} (height x width) but '{first.Value.Path}' is {first.Value.Height} x {first.Value.Width}; "
                            + "set ImageOptions.Size to bring every image to one size.");
                    }
                }
            }

            (int outHeight, int outWidth) = options.Size ?? (first is { } f ? (f.Height, f.Width) : (0, 0));

            // To skip invalid files they are all decoded now (all cores); the bytes go to the cache below.
            var pixels = new byte[]?[files.Count];
            if (options.SkipInvalid)
            {
                Parallel.For(0, files.Count, i =>
                {
                    if (checks[i].Error is null)
                    {
                        try
                        {
                            long sourcePixels = (long)checks[i].Height * checks[i].Width;
                            Scratch scratch = Scratch.ForThread(ImageDecoder.ScratchBytes(sourcePixels, outHeight, outWidth), 0);
                            pixels[i] = ImageDecoder.Decode(files[i].Path, options, outHeight, outWidth, scratch.Source);
                        }
                        catch (Exception ex) when (ex is InvalidDataException or IOException)
                        {
                            checks[i] = (0, 0, ex);
                        }
                    }
                });
            }

            var paths = new List<string>(files.Count);
            var labels = new List<long>(files.Count);
            var kept = new List<byte[]?>(files.Count);
            var skipped = new List<SkippedFile>();
            long maxSourcePixels = 0;
            for (int i = 0; i < files.Count; i++)
            {
                (string path, long label) = files[i];
                (int height, int width, Exception? error) = checks[i];
                if (error is not null)
                {
                    if (!options.SkipInvalid || error is not InvalidDataException)
                    {
                        // The first bad file in the dataset's order, as a sequential check would report it.
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    }

                    skipped.Add(new SkippedFile(path, error.Message));
                    continue;
                }

                paths.Add(path);
                labels.Add(label);
                kept.Add(pixels[i]);
                maxSourcePixels = Math.Max(maxSourcePixels, (long)height * width);
            }

            var store = new Store(paths.ToArray(), labels.ToArray(), options, classNames, outHeight, outWidth, maxSourcePixels, skipped, ignored);
            for (int id = 0; id < kept.Count; id++)
            {
                if (kept[id] is byte[] bytes && store.chunks is not null)
                {
                    bytes.CopyTo(store.Slot(id));
                    store.decoded[id] = 1;
                }
            }

            return store;
        }

        /// <summary>Buffers for one thread's decoding; also makes sure the native decoder is loaded (on the calling thread).</summary>
        public Scratch CreateScratch()
        {
            SkiaNative.EnsureLoaded();
            return new Scratch(ImageDecoder.ScratchBytes(MaxSourcePixels, Height, Width), Stride);
        }

        private Scratch ThreadScratch() => Scratch.ForThread(ImageDecoder.ScratchBytes(MaxSourcePixels, Height, Width), Stride);

        /// <summary>Image <paramref name="id"/>'s bytes: from the cache (decoding into it the first time), or decoded anew.</summary>
        public ReadOnlyMemory<byte> Pixels(int id)
        {
            byte[]? fresh = chunks is null ? new byte[Stride] : null;
            DecodeResult r = Decode(id, ThreadScratch(), fresh, out _);
            return r.Status != DecodeStatus.Ok ? throw ImageDecoder.Failure(Paths[id], r)
                : fresh ?? chunks![id / perChunk].AsMemory((id % perChunk) * Stride, Stride);
        }

        /// <summary>
        /// Image <paramref name="id"/> as floats in [0, 1] into <paramref name="values"/>, decoding (into the cache, if
        /// any) with <paramref name="scratch"/> when needed. Allocates nothing; false with the failure if it cannot.
        /// </summary>
        public bool TryRead(int id, Span<float> values, Scratch scratch, out DecodeResult failure)
        {
            failure = Decode(id, scratch, scratch.Pixels, out Span<byte> bytes);
            if (failure.Status != DecodeStatus.Ok)
            {
                return false;
            }

            ToUnit(bytes, values);
            return true;
        }

        // Image id's bytes: the cache's slot (decoded into it the first time), or, without a cache, decoded into `buffer`.
        // Two threads decoding one image at once write the same bytes; it is marked done after the write.
        private DecodeResult Decode(int id, Scratch scratch, Span<byte> buffer, out Span<byte> bytes)
        {
            bytes = chunks is null ? buffer : Slot(id);
            if (chunks is not null && Volatile.Read(ref decoded[id]) == 1)
            {
                return new DecodeResult(DecodeStatus.Ok);
            }

            DecodeResult r = ImageDecoder.TryDecode(NativePaths[id], Options.Mode, Options.Fit, Height, Width, bytes, scratch.Source);
            if (r.Status == DecodeStatus.Ok && chunks is not null)
            {
                Volatile.Write(ref decoded[id], 1);
            }

            return r;
        }

        private Span<byte> Slot(int id) => chunks![id / perChunk].AsSpan((id % perChunk) * Stride, Stride);
    }
}
