using System.Globalization;
using CallbackGen.Data;

namespace CallbackGen.Samples.FashionMnist;

/// <summary>
/// <c>--write-images DIR</c>: writes the MNIST-format data (the embedded subset by default) as PNG folders,
/// <c>DIR/train/&lt;class&gt;/&lt;index&gt;.png</c> and <c>DIR/valid/&lt;class&gt;/&lt;index&gt;.png</c>, so the
/// image-folder path (<c>--images DIR</c>) can be tried without a download.
/// </summary>
public static class ImageExport
{
    /// <summary>Writes the folders; returns the number of images written.</summary>
    /// <param name="folder">The folder to create (must not exist).</param>
    /// <param name="where">The MNIST-format data to write.</param>
    /// <param name="trainCount">Only the first N training images; null: all.</param>
    /// <param name="validCount">Only the first N test images; null: all.</param>
    /// <param name="output">Where to say what was written.</param>
    public static int Write(string folder, FashionMnistLocation where, int? trainCount, int? validCount, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(where);
        ArgumentNullException.ThrowIfNull(output);
        string root = Path.GetFullPath(folder);
        if (Directory.Exists(root) || File.Exists(root))
        {
            throw new IOException($"--write-images: '{root}' already exists; give a new folder.");
        }

        using MnistData all = MnistFolder.Load(where.Folder, scale: false);
        using MnistData data = all.Take(Math.Min(trainCount ?? long.MaxValue, all.TrainCount), Math.Min(validCount ?? long.MaxValue, all.TestCount));
        string[] classes = ImageFolderWriter.ClassFolderNames(FashionMnistData.ClassNames);
        Directory.CreateDirectory(root);
        int written = ImageFolderWriter.Write(Path.Combine(root, ImageFolderData.TrainFolder), data.TrainImages, data.TrainLabels, classes);
        written += ImageFolderWriter.Write(Path.Combine(root, ImageFolderData.ValidFolder), data.TestImages, data.TestLabels, classes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {data.TrainCount:N0} training and {data.TestCount:N0} validation images of {where.Description} as PNG to {root} ({ImageFolderData.TrainFolder}/<class>/, {ImageFolderData.ValidFolder}/<class>/)"));
        return written;
    }
}
