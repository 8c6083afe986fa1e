using CallbackGen.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Images;

public class ImageFolderDatasetTests
{
    private static readonly ImageOptions Grey = new() { Mode = ImageMode.Grayscale };

    [Fact]
    public void Class_names_are_the_folders_in_ordinal_order_and_pixels_keep_their_values()
    {
        using var dir = new TempDirectory();
        TestImages.Png(Path.Combine(dir.Path, "b", "x.png"), 2, 3, (r, c) => (byte)((10 * r) + c));
        TestImages.Png(Path.Combine(dir.Path, "B", "y.png"), 2, 3, (_, _) => 255);
        TestImages.Png(Path.Combine(dir.Path, "a", "z.png"), 2, 3, (_, _) => 0);

        var ds = new ImageFolderDataset(dir.Path, Grey);

        Assert.Equal(["B", "a", "b"], ds.ClassNames);
        Assert.Equal(3, ds.Count);
        Assert.Equal([1, 1, 1], ds.ClassCounts());
        Assert.Equal((1, 2, 3), (ds.Channels, ds.Height, ds.Width));
        using var scope = NewDisposeScope();
        Sample s = ds[2];
        Assert.Equal(2L, s.Y.item<long>());
        Assert.Equal(new long[] { 1, 2, 3 }, s.X.shape);
        Assert.Equal(new float[] { 0, 1, 2, 10, 11, 12 }.Select(v => v / 255f), s.X.data<float>().ToArray());
    }

    [Fact]
    public void Rgb_images_decode_to_three_channel_planes_from_bmp_and_jpeg()
    {
        using var dir = new TempDirectory();
        TestImages.Bmp(Path.Combine(dir.Path, "bmp", "a.bmp"), 2, 2, (r, c) => ((byte)(r * 100), (byte)(c * 100), 7));
        TestImages.Jpeg(Path.Combine(dir.Path, "jpg", "b.JPG"), 2, 2, new SKColor(200, 100, 50));

        var ds = new ImageFolderDataset(dir.Path);

        using var scope = NewDisposeScope();
        float[] bmp = ds[0].X.mul(255).round().data<float>().ToArray();
        Assert.Equal(new float[] { 0, 0, 100, 100, 0, 100, 0, 100, 7, 7, 7, 7 }, bmp);
        float[] jpeg = ds[1].X.mul(255).data<float>().ToArray();
        Assert.All(jpeg[..4], v => Assert.InRange(v, 195, 205));
        Assert.All(jpeg[4..8], v => Assert.InRange(v, 95, 105));
        Assert.All(jpeg[8..], v => Assert.InRange(v, 45, 55));
    }

    [Fact]
    public void Grayscale_of_a_colour_image_is_its_luma()
    {
        using var dir = new TempDirectory();
        TestImages.Bmp(Path.Combine(dir.Path, "c", "a.bmp"), 1, 1, (_, _) => (255, 0, 0));

        var ds = new ImageFolderDataset(dir.Path, Grey);

        using var scope = NewDisposeScope();
        Assert.Equal(76f / 255f, ds[0].X.item<float>()); // 0.299 * 255 rounded
    }

    [Fact]
    public void A_grey_image_reads_the_same_stored_grey_or_as_colour_and_as_three_equal_planes_in_rgb()
    {
        // The grey PNG takes the decoder's direct one-byte-per-pixel path; the BMP of the same greys the RGBA path.
        using var dir = new TempDirectory();
        static byte Value(int r, int c) => (byte)((37 * r) + (11 * c) + 3);
        TestImages.Png(Path.Combine(dir.Path, "a", "grey.png"), 5, 7, Value);
        TestImages.Bmp(Path.Combine(dir.Path, "b", "colour.bmp"), 5, 7, (r, c) => (Value(r, c), Value(r, c), Value(r, c)));

        var grey = new ImageFolderDataset(dir.Path, Grey with { CacheDecoded = false });
        var rgb = new ImageFolderDataset(dir.Path, new ImageOptions { CacheDecoded = false });

        using var scope = NewDisposeScope();
        float[] expected = Enumerable.Range(0, 35).Select(i => Value(i / 7, i % 7) / 255f).ToArray();
        Assert.Equal(expected, grey[0].X.data<float>().ToArray());
        Assert.Equal(expected, grey[1].X.data<float>().ToArray());
        Assert.Equal(expected.Concat(expected).Concat(expected), rgb[0].X.data<float>().ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Loader_threads_read_the_single_threaded_loaders_batches_and_a_bad_image_names_its_sample(int workers)
    {
        // Loader threads read image batches into managed arrays (no libtorch call off the training thread).
        using var dir = new TempDirectory();
        for (int i = 0; i < 10; i++)
        {
            int k = i;
            TestImages.Png(Path.Combine(dir.Path, k % 2 == 0 ? "a" : "b", $"{k}.png"), 3, 4, (r, c) => (byte)((k * 20) + (r * 4) + c));
        }

        var ds = new ImageFolderDataset(dir.Path, Grey with { CacheDecoded = false });
        List<(float[] X, long[] Shape, long[] Y, ScalarType YType)> Read(int w)
        {
            using DataLoader dl = DataLoader.FromDataset(ds, 4, new RandomSampler(ds.Count, new Generator(5)), w);
            var batches = new List<(float[], long[], long[], ScalarType)>();
            foreach (Batch b in dl)
            {
                using (b.X)
                using (b.Y)
                {
                    batches.Add((b.X.data<float>().ToArray(), b.X.shape, b.Y.data<long>().ToArray(), b.Y.dtype));
                }
            }

            return batches;
        }

        var single = Read(0);
        var threaded = Read(workers);
        Assert.Equal(3, single.Count);
        Assert.Equal(single.Count, threaded.Count);

        // Batches are read straight into a buffer (no tensor per sample): the same values as the indexer's samples.
        using (DataLoader sequential = DataLoader.FromDataset(ds, 10, workers: 0))
        using (var scope = NewDisposeScope())
        {
            Batch all = sequential.First();
            Tensor stacked = stack(Enumerable.Range(0, 10).Select(i => ds[i].X).ToArray());
            Assert.Equal(stacked.data<float>().ToArray(), all.X.data<float>().ToArray());
            Assert.Equal(Enumerable.Range(0, 10).Select(i => ds.LabelOf(i)), all.Y.data<long>().ToArray());
        }
        for (int i = 0; i < single.Count; i++)
        {
            Assert.Equal(single[i].X, threaded[i].X);
            Assert.Equal(single[i].Shape, threaded[i].Shape);
            Assert.Equal(single[i].Y, threaded[i].Y);
            Assert.Equal((ScalarType.Int64, ScalarType.Int64), (single[i].YType, threaded[i].YType));
        }

        long bad = 7;
        string badFile = ds.PathOf(bad);
        File.WriteAllBytes(badFile, File.ReadAllBytes(badFile)[..40]);
        var ex = Assert.Throws<DataLoaderException>(() => Read(workers));
        Assert.Equal(bad, ex.SampleIndex);
        Assert.Contains(badFile, ex.Message + ex.InnerException?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loader_threads_decoding_an_image_folder_allocate_nothing_on_the_managed_heap(bool cache)
    {
        // A loader thread that allocates can start a garbage collection while the training thread is inside a libtorch
        // call, and TorchSharp 0.107 then frees scalars that call still reads (SkiaNative's remarks). Decoding, resizing,
        // the batch buffers and the hand-over must all go without allocating.
        using var dir = new TempDirectory();
        for (int i = 0; i < 24; i++)
        {
            int k = i;
            if (k % 3 == 0)
            {
                TestImages.Bmp(Path.Combine(dir.Path, "rgb", $"{k}.bmp"), 10 + k, 7, (r, c) => ((byte)(r * k), (byte)c, 9));
            }
            else
            {
                TestImages.Png(Path.Combine(dir.Path, "grey", $"{k}.png"), 8, 6 + k, (r, c) => (byte)(k + r + c));
            }
        }

        var ds = new ImageFolderDataset(dir.Path, new ImageOptions { Size = (8, 8), Fit = ImageFit.CenterCrop, CacheDecoded = cache });
        using DataLoader dl = DataLoader.FromDataset(ds, 5, new RandomSampler(ds.Count, new Generator(2)), workers: 2);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            foreach (Batch b in dl)
            {
                b.X.Dispose();
                b.Y.Dispose();
            }
        }

        Assert.Equal(6, dl.StartedWorkers.Count);
        Assert.All(dl.StartedWorkers, t => Assert.False(t.IsAlive));
        Assert.Equal(0, dl.LoaderAllocatedBytes);
    }

    [Theory]
    [InlineData(ImageMode.Rgb, ImageFit.Squish)]
    [InlineData(ImageMode.Rgb, ImageFit.CenterCrop)]
    [InlineData(ImageMode.Grayscale, ImageFit.CenterCrop)]
    public void Decoded_and_resized_pixels_are_those_of_SkiaSharps_own_decode_and_resize(ImageMode mode, ImageFit fit)
    {
        // The decoder calls Skia's C functions directly (no managed allocation); SkiaSharp's classes are the reference.
        using var dir = new TempDirectory();
        string bmp = TestImages.Bmp(Path.Combine(dir.Path, "c", "photo.bmp"), 13, 29, (r, c) => ((byte)(r * 19), (byte)(c * 8), (byte)((r * c) % 251)));
        string png = TestImages.Png(Path.Combine(dir.Path, "c", "scan.png"), 17, 11, (r, c) => (byte)((r * 15) ^ (c * 23)));
        var options = new ImageOptions { Mode = mode, Fit = fit, Size = (9, 7), CacheDecoded = false };

        var ds = new ImageFolderDataset(dir.Path, options);

        foreach ((string file, int index) in new[] { (bmp, 0), (png, 1) })
        {
            Assert.Equal(file, ds.PathOf(index));
            Assert.Equal(Reference(file, options), ds.Pixels(index).ToArray());
        }
    }

    // Decode with SkiaSharp's classes to RGBA, crop (centre) or not, resize with linear filtering and mipmaps, then
    // channel-first bytes (BT.601 luma in integers for grey).
    private static byte[] Reference(string path, ImageOptions options)
    {
        (int height, int width) = options.Size!.Value;
        using SKCodec codec = SKCodec.Create(path);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var full = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, full.GetPixels()));
        using var region = new SKBitmap();
        if (options.Fit == ImageFit.CenterCrop)
        {
            double scale = Math.Min((double)full.Width / width, (double)full.Height / height);
            int w = Math.Clamp((int)Math.Round(width * scale), 1, full.Width);
            int h = Math.Clamp((int)Math.Round(height * scale), 1, full.Height);
            Assert.True(full.ExtractSubset(region, SKRectI.Create((full.Width - w) / 2, (full.Height - h) / 2, w, h)));
        }
        else
        {
            Assert.True(full.ExtractSubset(region, SKRectI.Create(0, 0, full.Width, full.Height)));
        }

        using SKBitmap fitted = region.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        int channels = options.Channels;
        byte[] result = new byte[channels * height * width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                SKColor px = fitted.GetPixel(c, r);
                int p = (r * width) + c;
                if (channels == 1)
                {
                    result[p] = (byte)(((299 * px.Red) + (587 * px.Green) + (114 * px.Blue) + 500) / 1000);
                }
                else
                {
                    (result[p], result[(height * width) + p], result[(2 * height * width) + p]) = (px.Red, px.Green, px.Blue);
                }
            }
        }

        return result;
    }

    [Fact]
    public void A_one_pixel_image_is_scaled_to_the_requested_size()
    {
        using var dir = new TempDirectory();
        TestImages.Png(Path.Combine(dir.Path, "c", "dot.png"), 1, 1, (_, _) => 200);

        foreach (ImageFit fit in Enum.GetValues<ImageFit>())
        {
            var ds = new ImageFolderDataset(dir.Path, Grey with { Size = (4, 3), Fit = fit });

            using var scope = NewDisposeScope();
            Tensor x = ds[0].X;
            Assert.Equal(new long[] { 1, 4, 3 }, x.shape);
            Assert.All(x.data<float>().ToArray(), v => Assert.Equal(200f / 255f, v));
        }
    }

    [Fact]
    public void Center_crop_keeps_the_middle_and_squish_keeps_everything()
    {
        using var dir = new TempDirectory();

        // 2 x 6: columns 0-1 black, 2-3 white, 4-5 black.
        TestImages.Png(Path.Combine(dir.Path, "c", "wide.png"), 2, 6, (_, c) => c is 2 or 3 ? (byte)255 : (byte)0);

        using var scope = NewDisposeScope();
        var crop = new ImageFolderDataset(dir.Path, Grey with { Size = (2, 2), Fit = ImageFit.CenterCrop });
        Assert.All(crop[0].X.data<float>().ToArray(), v => Assert.Equal(1f, v));
        var squish = new ImageFolderDataset(dir.Path, Grey with { Size = (2, 2), Fit = ImageFit.Squish });
        Assert.True(squish[0].X.min().item<float>() < 0.5f);
    }

    [Theory]
    [InlineData("empty.png", new byte[0], "the file is empty")]
    [InlineData("corrupt.png", new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, "not a PNG, JPEG or BMP image")]
    public void A_file_that_is_not_an_image_fails_with_its_name_or_is_skipped_and_counted(string name, byte[] bytes, string reason)
    {
        using var dir = new TempDirectory();
        TestImages.Png(Path.Combine(dir.Path, "c", "good.png"), 2, 2, (_, _) => 1);
        string bad = TestImages.Raw(Path.Combine(dir.Path, "c", name), bytes);

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(dir.Path, Grey));
        Assert.Contains($"'{bad}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);

        var skipping = new ImageFolderDataset(dir.Path, Grey with { SkipInvalid = true });
        Assert.Equal(1, skipping.Count);
        SkippedFile skipped = Assert.Single(skipping.Skipped);
        Assert.Equal(bad, skipped.Path);
        Assert.Contains(reason, skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_image_fails_when_read_naming_the_file_or_is_skipped_when_asked()
    {
        using var dir = new TempDirectory();
        string good = TestImages.Png(Path.Combine(dir.Path, "c", "good.png"), 16, 16, (r, c) => (byte)(r * c));
        byte[] whole = File.ReadAllBytes(good);
        string cut = TestImages.Raw(Path.Combine(dir.Path, "c", "cut.png"), whole[..(whole.Length * 2 / 3)]);

        var ds = new ImageFolderDataset(dir.Path, Grey); // the header is intact
        Assert.Equal(2, ds.Count);
        var error = Assert.Throws<InvalidDataException>(() => ds[0]);
        Assert.Contains($"'{cut}'", error.Message, StringComparison.Ordinal);

        var skipping = new ImageFolderDataset(dir.Path, Grey with { SkipInvalid = true });
        Assert.Equal(cut, Assert.Single(skipping.Skipped).Path);
        Assert.Equal(1, skipping.Count);
    }

    [Fact]
    public void Files_without_an_image_extension_are_ignored_in_folders_and_refused_in_lists_while_content_decides_the_format()
    {
        using var dir = new TempDirectory();
        string notes = TestImages.Raw(Path.Combine(dir.Path, "c", "notes.txt"), [1, 2, 3]);
        string pngNamedJpg = TestImages.Png(Path.Combine(dir.Path, "c", "really-a-png.jpg"), 2, 2, (_, _) => 9);

        var folder = new ImageFolderDataset(dir.Path, Grey);
        Assert.Equal(1, folder.Count);
        Assert.Equal(pngNamedJpg, folder.PathOf(0));
        Assert.Equal([notes], folder.Ignored);
        using (NewDisposeScope())
        {
            Assert.Equal(9f / 255f, folder[0].X[0, 0, 0].item<float>());
        }

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset([(notes, "c"), (pngNamedJpg, "c")], Grey));
        Assert.Contains($"'{notes}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("extension", error.Message, StringComparison.Ordinal);
        var skipping = new ImageFolderDataset([(notes, "c"), (pngNamedJpg, "c")], Grey with { SkipInvalid = true });
        Assert.Equal(notes, Assert.Single(skipping.Skipped).Path);
    }

    [Fact]
    public void Images_of_different_sizes_need_a_size_and_the_error_names_both_files()
    {
        using var dir = new TempDirectory();
        string a = TestImages.Png(Path.Combine(dir.Path, "c", "a.png"), 2, 2, (_, _) => 0);
        string b = TestImages.Png(Path.Combine(dir.Path, "c", "b.png"), 3, 2, (_, _) => 0);

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(dir.Path, Grey with { SkipInvalid = true }));
        Assert.Contains(a, error.Message, StringComparison.Ordinal);
        Assert.Contains(b, error.Message, StringComparison.Ordinal);
        Assert.Equal(2, new ImageFolderDataset(dir.Path, Grey with { Size = (2, 2) }).Count);
    }

    [Fact]
    public void A_file_list_takes_labels_by_name_and_an_unknown_label_is_named()
    {
        using var dir = new TempDirectory();
        string a = TestImages.Png(Path.Combine(dir.Path, "a.png"), 1, 1, (_, _) => 0);
        string b = TestImages.Png(Path.Combine(dir.Path, "b.png"), 1, 1, (_, _) => 0);

        var ds = new ImageFolderDataset([(a, "dog"), (b, "cat")], Grey);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal([1L, 0L], [ds.LabelOf(0), ds.LabelOf(1)]);

        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset([(a, "cow")], Grey, classNames: ["cat", "dog"]));
        Assert.Contains("'cow'", error.Message, StringComparison.Ordinal);
        Assert.Contains(a, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoded_images_are_cached_so_an_image_is_decoded_once()
    {
        using var dir = new TempDirectory();
        string file = TestImages.Png(Path.Combine(dir.Path, "c", "a.png"), 2, 2, (_, _) => 42);
        var cached = new ImageFolderDataset(dir.Path, Grey);
        var uncached = new ImageFolderDataset(dir.Path, Grey with { CacheDecoded = false });
        using var scope = NewDisposeScope();
        _ = cached[0];
        _ = uncached[0];

        // Gone from disk: only a cached image can still be read.
        File.Delete(file);
        Assert.Equal(42f / 255f, cached[0].X[0, 0, 0].item<float>());
        Assert.Equal(42f / 255f, cached.Subset([0])[0].X[0, 0, 0].item<float>());
        Assert.Throws<FileNotFoundException>(() => uncached[0]);
    }

    [Fact]
    public void A_folder_with_no_class_folders_or_a_missing_folder_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        TestImages.Png(Path.Combine(dir.Path, "loose.png"), 1, 1, (_, _) => 0);

        Assert.Contains("no class folders", Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(dir.Path)).Message, StringComparison.Ordinal);
        string missing = Path.Combine(dir.Path, "nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(missing)).Message, StringComparison.Ordinal);
    }
}
