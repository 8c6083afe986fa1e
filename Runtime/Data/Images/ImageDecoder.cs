using SkiaSharp;

namespace CallbackGen.Data;

/// <summary>
/// Decodes PNG, JPEG and BMP files with SkiaSharp to bytes in channel-first order (C × H × W), at a
/// requested size. Every failure names the file: an <see cref="InvalidDataException"/>, or a
/// <see cref="FileNotFoundException"/> for a file that is gone. Decoding goes through <see cref="SkiaNative"/>
/// and allocates nothing on the managed heap but its result (loader threads call it; see there why).
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
        // Skia reads from the file only what the header needs: a probe of every file when a dataset is made must not
        // read every byte of every photo.
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"The image '{path}' does not exist.", path);
        }

        if (file.Length == 0)
        {
            throw Invalid(path, "the file is empty (0 bytes)");
        }

        using SKCodec? codec = SKCodec.Create(path, out SKCodecResult result);
        if (codec is null)
        {
            throw Invalid(path, $"it is not a PNG, JPEG or BMP image, or its header is corrupt (Skia: {result})");
        }

        return codec.Info.Width > 0 && codec.Info.Height > 0
            ? (codec.Info.Height, codec.Info.Width)
            : throw Invalid(path, $"it has no pixels ({codec.Info.Width} x {codec.Info.Height})");
    }

    /// <summary>
    /// Decodes the whole image at <paramref name="path"/> to a new array at (<paramref name="height"/>,
    /// <paramref name="width"/>), with <paramref name="scratch"/> of at least <see cref="ScratchBytes"/> for its own size.
    /// </summary>
    /// <exception cref="InvalidDataException">The file cannot be decoded (named).</exception>
    /// <exception cref="FileNotFoundException">The file no longer exists.</exception>
    public static byte[] Decode(string path, ImageOptions options, int height, int width, Span<byte> scratch)
    {
        byte[] result = new byte[options.Channels * height * width];
        DecodeResult decoded = TryDecode(NativePath(path), options.Mode, options.Fit, height, width, result, scratch);
        return decoded.Status == DecodeStatus.Ok ? result : throw Failure(path, decoded);
    }

    /// <summary>The scratch bytes <see cref="TryDecode"/> needs for images of up to <paramref name="sourcePixels"/> pixels.</summary>
    public static int ScratchBytes(long sourcePixels, int height, int width) =>
        checked((int)((4 * sourcePixels) + (4L * height * width)));

    /// <summary>The path as Skia opens it: absolute, UTF-8, zero-terminated.</summary>
    public static byte[] NativePath(string path) => System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(path) + "\0");

    /// <summary>
    /// Decodes the image at <paramref name="nativePath"/> (<see cref="NativePath"/>) into
    /// <paramref name="destination"/> (channels × height × width bytes), allocating nothing on the managed heap
    /// (see <see cref="SkiaNative"/>): a loader thread calls it. A failure is a status; <see cref="Failure"/>
    /// turns it into the exception (that allocates, and ends the epoch anyway).
    /// </summary>
    /// <remarks>The scratch must hold at least <see cref="ScratchBytes"/> for the image's own size.</remarks>
    public static unsafe DecodeResult TryDecode(ReadOnlySpan<byte> nativePath, ImageMode mode, ImageFit fit, int height, int width, Span<byte> destination, Span<byte> scratch)
    {
        nint stream;
        fixed (byte* p = nativePath)
        {
            stream = SkiaNative.OpenFile(p);
        }

        if (stream == 0)
        {
            return new DecodeResult(DecodeStatus.Unreadable);
        }

        nint codec = SkiaNative.CodecFromStream(stream, out int result);
        if (codec == 0)
        {
            return new DecodeResult(DecodeStatus.NotAnImage, result);
        }

        try
        {
            return Decode(codec, mode, fit, height, width, destination, scratch);
        }
        finally
        {
            SkiaNative.CodecDestroy(codec);
        }
    }

    private static unsafe DecodeResult Decode(nint codec, ImageMode mode, ImageFit fit, int height, int width, Span<byte> destination, Span<byte> scratch)
    {
        SkiaNative.ImageInfo own = SkiaNative.CodecInfo(codec);
        (int sourceHeight, int sourceWidth) = (own.Height, own.Width);
        if (sourceWidth <= 0 || sourceHeight <= 0)
        {
            return new DecodeResult(DecodeStatus.NoPixels, 0, sourceHeight, sourceWidth);
        }

        bool sameSize = height == sourceHeight && width == sourceWidth;
        int code;

        // A grey image read grey at its own size (MNIST-like folders): Skia writes its one byte per pixel straight into
        // the result, which is already channel-first. No RGBA bitmap, no conversion; the values are the same, since the
        // luma of a grey pixel (r = g = b) is that grey.
        if (mode == ImageMode.Grayscale && sameSize && own.ColorType == SkiaNative.Gray8)
        {
            var grey = new SkiaNative.ImageInfo { Width = width, Height = height, ColorType = SkiaNative.Gray8, AlphaType = SkiaNative.Opaque };
            fixed (byte* target = destination)
            {
                code = SkiaNative.CodecPixels(codec, grey, target, width);
            }

            return new DecodeResult(code == 0 ? DecodeStatus.Ok : DecodeStatus.DecodeFailed, code, sourceHeight, sourceWidth);
        }

        long sourceBytes = 4L * sourceHeight * sourceWidth;
        if (scratch.Length < sourceBytes + (sameSize ? 0 : 4L * height * width))
        {
            // The file was replaced by a larger image after the dataset read its header.
            return new DecodeResult(DecodeStatus.Grown, 0, sourceHeight, sourceWidth);
        }

        var rgba = new SkiaNative.ImageInfo { Width = sourceWidth, Height = sourceHeight, ColorType = SkiaNative.Rgba8888, AlphaType = SkiaNative.Unpremul };
        fixed (byte* full = scratch)
        {
            code = SkiaNative.CodecPixels(codec, rgba, full, 4L * sourceWidth);
            if (code != 0)
            {
                return new DecodeResult(DecodeStatus.DecodeFailed, code, sourceHeight, sourceWidth);
            }

            if (sameSize)
            {
                ToChannelsFirst(full, sourceHeight, sourceWidth, 4L * sourceWidth, mode, destination);
                return new DecodeResult(DecodeStatus.Ok, 0, sourceHeight, sourceWidth);
            }

            // The region to scale, in source pixels: all of it (squish), or the largest centred region with the target's
            // aspect ratio; a region is the source's pixels at an offset, with the source's row length.
            (int left, int top, int regionWidth, int regionHeight) = (0, 0, sourceWidth, sourceHeight);
            if (fit == ImageFit.CenterCrop)
            {
                double scale = Math.Min((double)sourceWidth / width, (double)sourceHeight / height);
                regionWidth = Math.Clamp((int)Math.Round(width * scale), 1, sourceWidth);
                regionHeight = Math.Clamp((int)Math.Round(height * scale), 1, sourceHeight);
                (left, top) = ((sourceWidth - regionWidth) / 2, (sourceHeight - regionHeight) / 2);
            }

            byte* fitted = full + sourceBytes;
            var region = rgba with { Width = regionWidth, Height = regionHeight };
            var target = rgba with { Width = width, Height = height };
            if (!SkiaNative.ScalePixels(region, full + (top * 4L * sourceWidth) + (4L * left), 4L * sourceWidth, target, fitted, 4L * width))
            {
                return new DecodeResult(DecodeStatus.ResizeFailed, 0, sourceHeight, sourceWidth);
            }

            ToChannelsFirst(fitted, height, width, 4L * width, mode, destination);
            return new DecodeResult(DecodeStatus.Ok, 0, sourceHeight, sourceWidth);
        }
    }

    /// <summary>The exception for a failed <see cref="TryDecode"/>, naming the file.</summary>
    public static Exception Failure(string path, DecodeResult result)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return new FileNotFoundException($"The image '{path}' does not exist.", path);
        }

        if (file.Length == 0)
        {
            return Invalid(path, "the file is empty (0 bytes)");
        }

        var code = (SKCodecResult)result.Code;
        return result.Status switch
        {
            DecodeStatus.Unreadable => new IOException($"The image '{path}' cannot be opened for reading."),
            DecodeStatus.NotAnImage => Invalid(path, $"it is not a PNG, JPEG or BMP image, or its header is corrupt (Skia: {code})"),
            DecodeStatus.NoPixels => Invalid(path, $"it has no pixels ({result.SourceWidth} x {result.SourceHeight})"),
            DecodeStatus.DecodeFailed when code == SKCodecResult.IncompleteInput => Invalid(path, "its image data is truncated or corrupt (Skia: IncompleteInput)"),
            DecodeStatus.DecodeFailed => Invalid(path, $"its image data cannot be decoded (Skia: {code})"),
            DecodeStatus.ResizeFailed => Invalid(path, $"Skia could not resize it from {result.SourceHeight} x {result.SourceWidth} (height x width)"),
            DecodeStatus.Grown => Invalid(path, $"it is now {result.SourceHeight} x {result.SourceWidth} (height x width), larger than when the dataset was made; make the dataset again"),
            _ => throw new ArgumentOutOfRangeException(nameof(result), result.Status, "Not a failure."),
        };
    }

    private static InvalidDataException Invalid(string path, string reason) =>
        new($"The image '{path}' cannot be decoded: {reason}.");

    // RGBA rows to channel-first bytes: grey by ITU-R BT.601 luma in integers (a grey pixel, r = g = b, keeps its exact
    // value), or the three colour planes.
    private static unsafe void ToChannelsFirst(byte* rgba, int height, int width, long rowBytes, ImageMode mode, Span<byte> result)
    {
        int pixels = width * height;
        for (int row = 0; row < height; row++)
        {
            byte* line = rgba + (row * rowBytes);
            for (int col = 0; col < width; col++)
            {
                int p = (row * width) + col;
                byte r = line[4 * col];
                byte g = line[(4 * col) + 1];
                byte b = line[(4 * col) + 2];
                if (mode == ImageMode.Grayscale)
                {
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
    }
}

/// <summary>What <see cref="ImageDecoder.TryDecode"/> found.</summary>
internal enum DecodeStatus
{
    Ok,
    Unreadable,
    NotAnImage,
    NoPixels,
    DecodeFailed,
    ResizeFailed,
    Grown,
}

/// <summary>The outcome of <see cref="ImageDecoder.TryDecode"/>: a status, Skia's result code, and the image's own size when read.</summary>
internal readonly record struct DecodeResult(DecodeStatus Status, int Code = 0, int SourceHeight = 0, int SourceWidth = 0);
