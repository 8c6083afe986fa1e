using SkiaSharp;

namespace CallbackGen.Data;

/// <summary>
/// Decodes PNG, JPEG and BMP files with SkiaSharp to bytes in channel-first order (C × H × W), at a
/// requested size. Every failure is an <see cref="InvalidDataException"/> whose message names the file.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>The file extensions read as images (compared without case).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".bmp", ".jpeg", ".jpg", ".png"];

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    public static string ExtensionError(string path) =>
        $"The file '{path}' is not an image file: its extension is '{Path.GetExtension(path)}'; expected {string.Join(", ", Extensions)}.";

    /// <summary>Reads the header only: the image's (height, width), or an error naming the file.</summary>
    public static (int Height, int Width) Probe(string path)
    {
        using SKCodec codec = Open(path, whole: false);
        return (codec.Info.Height, codec.Info.Width);
    }

    /// <summary>Decodes the whole image and brings it to the options' mode and size.</summary>
    public static byte[] Decode(string path, ImageOptions options)
    {
        using SKCodec codec = Open(path, whole: true);
        (int height, int width) = options.Size ?? (codec.Info.Height, codec.Info.Width);
        bool sameSize = height == codec.Info.Height && width == codec.Info.Width;

        // A grey image read grey at its own size (MNIST-like folders): Skia writes its one byte per pixel straight into
        // the result, which is already channel-first. No RGBA bitmap, no conversion; the values are the same, since the
        // luma of a grey pixel (r = g = b) is that grey.
        if (options.Mode == ImageMode.Grayscale && sameSize && codec.Info.ColorType == SKColorType.Gray8)
        {
            var grey = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
            Check(path, codec.GetPixels(grey, out byte[] pixels));
            return pixels;
        }

        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var full = new SKBitmap(info);
        Check(path, codec.GetPixels(info, full.GetPixels()));
        if (sameSize)
        {
            return ToChannelsFirst(full, options.Mode);
        }

        using SKBitmap fitted = Fit(full, height, width, options.Fit);
        return ToChannelsFirst(fitted, options.Mode);
    }

    private static void Check(string path, SKCodecResult result)
    {
        if (result != SKCodecResult.Success)
        {
            throw Invalid(path, result == SKCodecResult.IncompleteInput
                ? "its image data is truncated or corrupt (Skia: IncompleteInput)"
                : $"its image data cannot be decoded (Skia: {result})");
        }
    }

    // whole: read the whole file into memory first (for a decode: images are small next to the memory they decode to,
    // and Skia then makes no file calls of its own); else Skia reads from the file only what the header needs (a probe of
    // every file when a dataset is made must not read every byte of every photo).
    private static SKCodec Open(string path, bool whole)
    {
        byte[] bytes;
        try
        {
            if (!whole)
            {
                var file = new FileInfo(path);
                bytes = file.Exists ? [] : throw new FileNotFoundException(null, path);
                if (file.Length == 0)
                {
                    throw Invalid(path, "the file is empty (0 bytes)");
                }
            }
            else
            {
                bytes = File.ReadAllBytes(path);
                if (bytes.Length == 0)
                {
                    throw Invalid(path, "the file is empty (0 bytes)");
                }
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The image '{path}' does not exist.", path, ex);
        }

        // From memory, the codec owns the stream (and the stream its copy of the bytes); both go when the codec is disposed.
        SKCodec? codec = whole ? SKCodec.Create(new SKMemoryStream(bytes), out SKCodecResult result) : SKCodec.Create(path, out result);
        if (codec is null)
        {
            throw Invalid(path, $"it is not a PNG, JPEG or BMP image, or its header is corrupt (Skia: {result})");
        }

        if (codec.Info.Width <= 0 || codec.Info.Height <= 0)
        {
            codec.Dispose();
            throw Invalid(path, $"it has no pixels ({codec.Info.Width} x {codec.Info.Height})");
        }

        return codec;
    }

    private static InvalidDataException Invalid(string path, string reason) =>
        new($"The image '{path}' cannot be decoded: {reason}.");

    private static SKBitmap Fit(SKBitmap source, int height, int width, ImageFit fit)
    {
        var target = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

        // Mipmaps keep large downscales (photo to thumbnail) from aliasing.
        var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        if (fit == ImageFit.Squish)
        {
            return source.Resize(target, sampling) ?? throw new InvalidOperationException("Skia could not resize the image.");
        }

        // The largest centred region with the target's aspect ratio, in source pixels.
        double scale = Math.Min((double)source.Width / width, (double)source.Height / height);
        int cropWidth = Math.Clamp((int)Math.Round(width * scale), 1, source.Width);
        int cropHeight = Math.Clamp((int)Math.Round(height * scale), 1, source.Height);
        var region = SKRectI.Create((source.Width - cropWidth) / 2, (source.Height - cropHeight) / 2, cropWidth, cropHeight);
        using var cropped = new SKBitmap();
        if (!source.ExtractSubset(cropped, region))
        {
            throw new InvalidOperationException("Skia could not crop the image.");
        }

        return cropped.Resize(target, sampling) ?? throw new InvalidOperationException("Skia could not resize the image.");
    }

    private static byte[] ToChannelsFirst(SKBitmap bitmap, ImageMode mode)
    {
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        int pixels = bitmap.Width * bitmap.Height;
        int rowBytes = bitmap.RowBytes;
        int width = bitmap.Width;
        byte[] result = new byte[(mode == ImageMode.Grayscale ? 1 : 3) * pixels];
        for (int row = 0; row < bitmap.Height; row++)
        {
            ReadOnlySpan<byte> line = rgba.Slice(row * rowBytes, width * 4);
            for (int col = 0; col < width; col++)
            {
                int p = (row * width) + col;
                byte r = line[4 * col];
                byte g = line[(4 * col) + 1];
                byte b = line[(4 * col) + 2];
                if (mode == ImageMode.Grayscale)
                {
                    // ITU-R BT.601 luma in integers: a grey pixel (r = g = b) keeps its exact value.
                    result[p] = (byte)(((299 * r) + (587 * g) + (114 * b) + 500) / 1000);
                }
                else
                {
                    result[p] = r;
                    result[pixels + p] = g;
                    result[(2 * pixels) + p] = b;
                }
            }
        }

        return result;
    }
}
