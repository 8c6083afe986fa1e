using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Idx;

public class IdxCorruptionTests
{
    private const string Name = "corrupt-file.idx";

    private static InvalidDataException Rejects(byte[] bytes, params string[] expectedFragments)
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(bytes, Name).Dispose());
        Assert.Contains($"'{Name}'", ex.Message);
        foreach (string fragment in expectedFragments)
        {
            Assert.Contains(fragment, ex.Message);
        }

        return ex;
    }

    [Fact]
    public void An_empty_file_is_rejected() => Rejects([], "is empty");

    [Fact]
    public void A_bad_magic_number_is_rejected() =>
        Rejects([0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7], "magic number 00 00", "found 01 00");

    [Fact]
    public void A_file_shorter_than_the_magic_number_is_rejected() => Rejects([0x00, 0x00, 0x08], "only 3 byte(s)");

    [Fact]
    public void An_unknown_data_type_is_rejected() =>
        Rejects(IdxFiles.Raw(0x0A, [1], [7]), "unknown IDX data type code 0x0A");

    [Fact]
    public void Zero_dimensions_are_rejected() => Rejects([0x00, 0x00, 0x08, 0x00, 7], "0 dimensions");

    [Fact]
    public void A_header_cut_short_is_rejected() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [2, 3], [], rank: 3), "truncated inside its header", "3 dimension sizes need 12 bytes", "only 8 follow");

    [Fact]
    public void A_short_file_is_rejected_naming_what_the_header_promised() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [2, 3, 3], new byte[17]), "is truncated", "uint8 [2 x 3 x 3]", "promises 18 bytes", "only 17 follow");

    [Fact]
    public void Bytes_after_the_data_are_rejected() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [2], new byte[5]), "3 byte(s) after the 2 bytes of data");

    [Fact]
    public void Multi_byte_types_count_their_element_size() =>
        Rejects(IdxFiles.Raw(0x0D, [3], new byte[3]), "float32 [3]", "promises 12 bytes");

    [Fact]
    public void A_dimension_beyond_int32_is_rejected() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [0xFFFFFFFF], [1]), "dimension 0 as 4294967295");

    [Fact]
    public void Dimensions_whose_product_overflows_are_rejected() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [int.MaxValue, int.MaxValue, int.MaxValue], [1]), "overflows 64 bits");

    [Fact]
    public void Dimensions_whose_product_overflows_are_rejected_even_beside_a_zero() =>
        Rejects(IdxFiles.Raw(IdxFiles.UInt8, [0, int.MaxValue, int.MaxValue, int.MaxValue], []), "overflows 64 bits");

    [Fact]
    public void Huge_dimensions_in_a_small_file_are_rejected_without_allocating_for_them()
    {
        byte[] bytes = IdxFiles.Raw(IdxFiles.UInt8, [int.MaxValue, int.MaxValue], new byte[16]);
        Rejects(bytes); // warm up the code path

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Rejects(bytes, "promises 4611686014132420609 bytes", "only 16 follow");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes for a {bytes.Length}-byte file ({ex.Message})");
    }

    [Fact]
    public void Gzip_data_promising_more_than_it_holds_is_rejected_without_allocating_the_promise()
    {
        // A header promising 1 GB of pixels, compressed with 10 bytes of data behind it.
        byte[] gz = IdxFiles.Gzip(IdxFiles.Raw(IdxFiles.UInt8, [1_000_000_000, 1, 1], new byte[10]));
        Rejects(gz);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Rejects(gz, "is truncated", "promises 1000000000 bytes", "decompresses to only 10");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes for a {gz.Length}-byte gzip file");
    }

    [Fact]
    public void Gzip_data_holding_more_than_its_header_describes_is_rejected() =>
        Rejects(IdxFiles.Gzip(IdxFiles.Raw(IdxFiles.UInt8, [2], new byte[5])), "decompresses to more than the 2 bytes");

    [Fact]
    public void Corrupt_gzip_data_is_rejected_naming_the_file()
    {
        byte[] gz = IdxFiles.Gzip(IdxFiles.Images(20, 8, 8));
        for (int i = 12; i < gz.Length - 8; i++)
        {
            gz[i] ^= 0x5A;
        }

        Rejects(gz, "gzip");
    }

    [Fact]
    public void A_gzip_file_cut_short_is_rejected()
    {
        byte[] gz = IdxFiles.Gzip(IdxFiles.Images(20, 8, 8));

        Rejects(gz[..(gz.Length / 2)]);
    }

    [Fact]
    public void A_gzip_file_with_a_wrong_checksum_is_rejected()
    {
        byte[] gz = IdxFiles.Gzip(IdxFiles.Images(20, 8, 8));
        gz[^8] ^= 0xFF; // first byte of the CRC-32 trailer

        Rejects(gz, "gzip");
    }

    [Fact]
    public void Images_with_the_wrong_rank_are_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(IdxFiles.Labels(1, 2)), "labels-not-images"));

        Assert.Contains("'labels-not-images'", ex.Message);
        Assert.Contains("1 dimension(s)", ex.Message);
        Assert.Contains("must have 3", ex.Message);
    }

    [Fact]
    public void Labels_with_the_wrong_rank_are_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(new MemoryStream(IdxFiles.Images(2, 2, 2)), "images-not-labels"));

        Assert.Contains("'images-not-labels'", ex.Message);
        Assert.Contains("must have 1", ex.Message);
    }

    [Fact]
    public void Images_of_a_type_other_than_bytes_are_rejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(IdxFiles.Raw(0x0C, [1, 1, 1], new byte[4])), "ints"));

        Assert.Contains("unsigned bytes", ex.Message);
    }

    [Fact]
    public void Images_and_labels_with_different_counts_are_rejected_naming_both_files()
    {
        using var dir = new TempDirectory();
        string images = IdxFiles.WriteTemp(dir.Path, "five-images", IdxFiles.Images(5, 2, 2));
        string labels = IdxFiles.WriteTemp(dir.Path, "four-labels", IdxFiles.Labels(1, 2, 3, 4));

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImagesAndLabels(images, labels));

        Assert.Contains(images, ex.Message);
        Assert.Contains(labels, ex.Message);
        Assert.Contains("holds 5 images", ex.Message);
        Assert.Contains("holds 4 labels", ex.Message);
    }

    [Fact]
    public void A_missing_file_is_reported_by_path()
    {
        string path = Path.Combine(Path.GetTempPath(), "callbackgen-no-such-file.idx");

        var ex = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void A_valid_file_still_reads_after_the_checks()
    {
        using Tensor t = IdxReader.Read(IdxFiles.Raw(IdxFiles.UInt8, [2, 2], [1, 2, 3, 4]), Name);

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, t.data<byte>().ToArray());
    }
}
