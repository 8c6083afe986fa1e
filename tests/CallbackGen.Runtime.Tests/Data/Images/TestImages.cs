using SkiaSharp;

namespace CallbackGen.Runtime.Tests.Data.Images;

/// <summary>Writes small image files for the image-folder tests.</summary>
internal static class TestImages
{
    /// <summary>A grey PNG whose pixel (r, c) is <paramref name="value"/>(r, c).</summary>
    public static string Png(string path, int height, int width, Func<int, int, byte> value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                bitmap.GetPixelSpan()[(r * bitmap.RowBytes) + c] = value(r, c);
            }
        }

        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A colour JPEG of one colour.</summary>
    public static string Jpeg(string path, int height, int width, SKColor color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(color);
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A 24-bit BMP (Skia does not encode BMP, so written by hand) with pixel (r, c) = rgb(r, c).</summary>
    public static string Bmp(string path, int height, int width, Func<int, int, (byte R, byte G, byte B)> rgb)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        int rowBytes = ((width * 3) + 3) & ~3;
        int dataSize = rowBytes * height;
        using var w = new BinaryWriter(File.Create(path));
        w.Write((byte)'B');
        w.Write((byte)'M');
        w.Write(54 + dataSize);
        w.Write(0);
        w.Write(54);
        w.Write(40);
        w.Write(width);
        w.Write(height); // positive: rows bottom-up
        w.Write((short)1);
        w.Write((short)24);
        w.Write(0);
        w.Write(dataSize);
        w.Write(2835);
        w.Write(2835);
        w.Write(0);
        w.Write(0);
        for (int r = height - 1; r >= 0; r--)
        {
            for (int c = 0; c < width; c++)
            {
                (byte red, byte green, byte blue) = rgb(r, c);
                w.Write(blue);
                w.Write(green);
                w.Write(red);
            }

            for (int p = width * 3; p < rowBytes; p++)
            {
                w.Write((byte)0);
            }
        }

        return path;
    }

    /// <summary>A file with the given bytes (for corrupt and empty images).</summary>
    public static string Raw(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
