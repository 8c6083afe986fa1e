using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Idx;

public class IdxRoundTripTests
{
    public static TheoryData<ScalarType, bool> TypesAndCompression()
    {
        var data = new TheoryData<ScalarType, bool>();
        foreach (ScalarType type in new[] { ScalarType.Byte, ScalarType.Int8, ScalarType.Int16, ScalarType.Int32, ScalarType.Float32, ScalarType.Float64 })
        {
            data.Add(type, false);
            data.Add(type, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndCompression))]
    public void A_written_tensor_reads_back_with_the_same_type_shape_and_values(ScalarType type, bool gzip)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        Tensor original = (randn(3, 4, 5) * 50).to(type);
        using var stream = new MemoryStream();

        IdxWriter.Write(stream, original, gzip);
        stream.Position = 0;
        Tensor back = IdxReader.Read(stream, "generated");

        Assert.Equal(type, back.dtype);
        Assert.Equal(new long[] { 3, 4, 5 }, back.shape);
        Assert.True(back.equal(original).all().item<bool>());
    }

    [Fact]
    public void Gzip_is_recognised_by_its_bytes_not_by_the_file_name()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        Tensor original = arange(24, dtype: ScalarType.Byte).reshape(2, 3, 4);
        string gzNamedRaw = Path.Combine(dir.Path, "images.idx");
        string rawNamedGz = Path.Combine(dir.Path, "images.idx.gz");

        IdxWriter.Write(gzNamedRaw, original, gzip: true);
        IdxWriter.Write(rawNamedGz, original, gzip: false);

        Assert.Equal(0x1F, File.ReadAllBytes(gzNamedRaw)[0]);
        Assert.Equal(0x00, File.ReadAllBytes(rawNamedGz)[0]);
        Assert.True(IdxReader.Read(gzNamedRaw).equal(original).all().item<bool>());
        Assert.True(IdxReader.Read(rawNamedGz).equal(original).all().item<bool>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_non_seekable_stream_reads_like_a_file(bool gzip)
    {
        using var scope = NewDisposeScope();
        byte[] raw = IdxFiles.Images(count: 3, rows: 5, cols: 2);
        byte[] bytes = gzip ? IdxFiles.Gzip(raw) : raw;

        Tensor fromStream = IdxReader.Read(new NonSeekableStream(bytes), "pipe");
        Tensor fromBytes = IdxReader.Read(raw, "memory");

        Assert.Equal(new long[] { 3, 5, 2 }, fromStream.shape);
        Assert.True(fromStream.equal(fromBytes).all().item<bool>());
    }

    [Fact]
    public void Images_are_scaled_to_the_unit_interval_on_request_and_labels_become_int64()
    {
        using var scope = NewDisposeScope();
        byte[] pixels = [0, 51, 255, 102, 204, 1];
        byte[] images = IdxFiles.Raw(IdxFiles.UInt8, [1, 2, 3], pixels);

        Tensor scaled = IdxReader.ReadImages(new MemoryStream(images), "images");
        Tensor raw = IdxReader.ReadImages(new MemoryStream(images), "images", scale: false);
        Tensor labels = IdxReader.ReadLabels(new MemoryStream(IdxFiles.Labels(3, 0, 9)), "labels");

        Assert.Equal(ScalarType.Float32, scaled.dtype);
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), scaled.data<float>().ToArray());
        Assert.Equal(ScalarType.Byte, raw.dtype);
        Assert.Equal(pixels, raw.data<byte>().ToArray());
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 3, 0, 9 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void An_empty_dataset_reads_as_a_tensor_with_no_samples()
    {
        using var scope = NewDisposeScope();
        Tensor images = IdxReader.ReadImages(new MemoryStream(IdxFiles.Images(0, 28, 28)), "none");

        Assert.Equal(new long[] { 0, 28, 28 }, images.shape);
    }

    [Fact]
    public void Images_and_labels_read_as_a_pair_with_matching_counts()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        string images = IdxFiles.WriteTemp(dir.Path, "i.gz", IdxFiles.Gzip(IdxFiles.Images(4, 2, 2)));
        string labels = IdxFiles.WriteTemp(dir.Path, "l", IdxFiles.Labels(1, 2, 3, 4));

        (Tensor x, Tensor y) = IdxReader.ReadImagesAndLabels(images, labels);

        Assert.Equal(new long[] { 4, 2, 2 }, x.shape);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, y.data<long>().ToArray());
    }

    [Fact]
    public void The_largest_rank_the_format_allows_reads()
    {
        using Tensor t = IdxReader.Read(IdxFiles.Raw(IdxFiles.UInt8, Enumerable.Repeat(1u, 255).ToArray(), [42]), "rank-255");

        Assert.Equal(255, t.Dimensions);
        Assert.Equal(42, t.flatten()[0].item<byte>());
    }

    [Fact]
    public void The_raw_reader_returns_the_header_and_the_big_endian_bytes()
    {
        byte[] file = IdxFiles.Raw(0x0B, [2], [0x01, 0x02, 0xFF, 0xFE]);

        (IdxHeader header, byte[] data) = IdxReader.ReadRaw(new MemoryStream(file), "shorts");

        Assert.Equal(new IdxHeader(IdxDataType.Int16, [2]), header);
        Assert.Equal("int16 [2]", header.ToString());
        Assert.Equal(4, header.DataLength);
        Assert.Equal(8, header.HeaderLength);
        Assert.Equal(new byte[] { 0x01, 0x02, 0xFF, 0xFE }, data);
        using Tensor t = IdxReader.Read(file, "shorts");
        Assert.Equal(new short[] { 0x0102, -2 }, t.data<short>().ToArray());
    }
}
