using System.Globalization;
using SkiaSharp;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Writes images held in tensors as PNG files in the layout <see cref="ImageFolderDataset"/> reads:
/// <c>folder/&lt;class&gt;/&lt;index&gt;.png</c>.
/// </summary>
/// <example><code>
/// using MnistData mnist = MnistFolder.Load(FashionMnistData.DefaultLocation().Folder);
/// string[] folders = ImageFolderWriter.ClassFolderNames(FashionMnistData.ClassNames);
/// ImageFolderWriter.Write("fashion/train", mnist.TrainImages, mnist.TrainLabels, folders);
/// ImageFolderWriter.Write("fashion/valid", mnist.TestImages, mnist.TestLabels, folders);
/// </code></example>
public static class ImageFolderWriter
{
    /// <summary>
    /// Folder names for classes, in an ordinal order that keeps their indices: <c>"&lt;index&gt;-&lt;name&gt;"</c>
    /// with the index zero-padded and characters that are not letters, digits, '-' or '_' replaced by '-'
    /// (<c>"T-shirt/top"</c> becomes <c>"0-T-shirt-top"</c>).
    /// </summary>
    /// <param name="classNames">The class names, in index order.</param>
    public static string[] ClassFolderNames(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        int digits = Math.Max(1, (classNames.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        return classNames.Select((name, i) =>
            i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + "-"
            + new string(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-').ToArray())).ToArray();
    }

    /// <summary>
    /// Writes each image as <c>folder/&lt;classFolders[label]&gt;/&lt;index&gt;.png</c> (index zero-padded, the
    /// image's position in <paramref name="images"/>). The files are written into a temporary folder beside
    /// <paramref name="folder"/>, which is renamed into place at the end: after a failure nothing is there.
    /// </summary>
    /// <param name="folder">The folder to create; must not exist yet.</param>
    /// <param name="images">Grey [N, H, W] or [N, 1, H, W], or RGB [N, 3, H, W]; uint8 0–255, or floating point in [0, 1].</param>
    /// <param name="labels">Class indices [N].</param>
    /// <param name="classFolders">The folder name of each class index (see <see cref="ClassFolderNames"/>).</param>
    /// <returns>The number of files written.</returns>
    public static int Write(string folder, Tensor images, Tensor labels, IReadOnlyList<string> classFolders)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classFolders);
        if (Directory.Exists(folder) || File.Exists(folder))
        {
            throw new IOException($"'{folder}' already exists; choose a new folder for the images.");
        }

        if (images.Dimensions is not (3 or 4) || (images.Dimensions == 4 && images.shape[1] is not (1 or 3)))
        {
            throw new ArgumentException($"Images must be [N, H, W], [N, 1, H, W] or [N, 3, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        }

        if (labels.Dimensions != 1 || labels.shape[0] != images.shape[0])
        {
            throw new ArgumentException($"Labels must be [N] with N = {images.shape[0]}; got [{string.Join(", ", labels.shape)}].", nameof(labels));
        }

        int n = (int)images.shape[0];
        int channels = images.Dimensions == 4 ? (int)images.shape[1] : 1;
        int height = (int)images.shape[^2];
        int width = (int)images.shape[^1];
        byte[] bytes;
        long[] classes;
        using (NewDisposeScope())
        {
            using var s = new HeldScalars();
            Tensor u8 = images.dtype == ScalarType.Byte ? images : images.mul(s.Of(255L)).round().clamp(s.Of(0L), s.Of(255L)).to_type(ScalarType.Byte);
            bytes = u8.cpu().contiguous().data<byte>().ToArray();
            classes = labels.to_type(ScalarType.Int64).cpu().data<long>().ToArray();
        }

        string full = Path.GetFullPath(folder);
        string staging = full.TrimEnd(Path.DirectorySeparatorChar) + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            foreach (string name in classFolders)
            {
                Directory.CreateDirectory(Path.Combine(staging, name));
            }

            int digits = Math.Max(1, (n - 1).ToString(CultureInfo.InvariantCulture).Length);
            int size = channels * height * width;
            for (int i = 0; i < n; i++)
            {
                long label = classes[i];
                if (label < 0 || label >= classFolders.Count)
                {
                    throw new ArgumentException($"Image {i} has label {label}; there are {classFolders.Count} class folders.", nameof(labels));
                }

                string file = Path.Combine(staging, classFolders[(int)label], i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + ".png");
                WritePng(file, bytes.AsSpan(i * size, size), channels, height, width);
            }

            Directory.Move(staging, full);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }

        return n;
    }

    /// <summary>Encodes one channel-first image (1 or 3 channels, bytes) as a PNG file.</summary>
    private static void WritePng(string file, ReadOnlySpan<byte> pixels, int channels, int height, int width)
    {
        var info = new SKImageInfo(width, height, channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888, channels == 1 ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Span<byte> target = bitmap.GetPixelSpan();
        int plane = height * width;
        for (int row = 0; row < height; row++)
        {
            for (int col = 0; col < width; col++)
            {
                int p = (row * width) + col;
                if (channels == 1)
                {
                    target[(row * bitmap.RowBytes) + col] = pixels[p];
                }
                else
                {
                    int o = (row * bitmap.RowBytes) + (4 * col);
                    target[o] = pixels[p];
                    target[o + 1] = pixels[plane + p];
                    target[o + 2] = pixels[(2 * plane) + p];
                    target[o + 3] = 255;
                }
            }
        }

        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException($"Skia could not encode '{file}' as PNG.");
        using FileStream stream = File.Create(file);
        png.SaveTo(stream);
    }
}
