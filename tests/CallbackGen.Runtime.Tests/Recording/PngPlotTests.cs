using System.Buffers.Binary;
using ScottPlot;

namespace CallbackGen.Runtime.Tests.Recording;

/// <summary>Every chart the product draws (loss, LR finder, activations, interpretation) is written through <see cref="PngPlot"/>.</summary>
public sealed class PngPlotTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-png-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Plot Chart()
    {
        var plot = new Plot();
        PngPlot.Line(plot, new double[] { 0, 1, 2 }, new double[] { 3, 1, 2 }, "loss");
        return plot;
    }

    [Fact]
    public void A_chart_written_over_an_existing_one_replaces_it_whole_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(dir, "loss.png");
        PngPlot.Save(Chart(), path, 300, 200);
        byte[] old = File.ReadAllBytes(path);
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        string written = PngPlot.Save(Chart(), path, 400, 250);

        // A reader of the old chart still sees all of it (the new one arrived by a rename, not by
        // rewriting the old bytes), and the name holds a complete PNG of the new size.
        using (var kept = new MemoryStream())
        {
            reader.CopyTo(kept);
            Assert.Equal(old, kept.ToArray());
        }

        Assert.Equal(path, written);
        Assert.Equal((400, 250), PngSize(File.ReadAllBytes(path)));
        Assert.Equal(new[] { "loss.png" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Several_plots_in_one_image_are_written_the_same_way_into_a_new_folder()
    {
        var multi = new Multiplot(Chart());
        multi.AddPlot(Chart());
        string path = Path.Combine(dir, "sub", "two.png");

        PngPlot.Save(multi, path, 500, 200);

        Assert.Equal((500, 200), PngSize(File.ReadAllBytes(path)));
        Assert.Equal(new[] { "two.png" }, Directory.GetFileSystemEntries(Path.Combine(dir, "sub")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_path_that_is_a_folder_is_an_IOException_naming_it()
    {
        string folder = Path.Combine(dir, "loss.png");
        Directory.CreateDirectory(folder);

        var ex = Assert.Throws<IOException>(() => PngPlot.Save(Chart(), folder, 300, 200));

        Assert.Contains($"'{folder}'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        Assert.Equal(new[] { "loss.png" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    /// <summary>Checks the PNG signature and reads the size from the IHDR chunk that must follow it.</summary>
    private static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.AsSpan().StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        Assert.Equal("IEND"u8.ToArray(), png[^8..^4]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
