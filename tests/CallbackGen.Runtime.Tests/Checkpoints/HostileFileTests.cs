using System.Text;
using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// Hand-made hostile files with valid checksums: each is a <see cref="CheckpointException"/> naming the
/// section, the process survives (a generator state reaching libtorch unchecked aborts it), and the
/// learner is unchanged.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class HostileFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-hostile-").FullName;

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }

    private CheckpointException Refused(string section, byte[] payload)
    {
        string good = Path.Combine(dir, "good.ckpt");
        CheckpointFiles.AdamWLearner().Fit(1, cbs: new[] { new SaveModel(good) });
        var sections = CheckpointFile.Read(good).ToDictionary(p => p.Key, p => p.Value);
        sections[section] = payload;
        string bad = Path.Combine(dir, "bad.ckpt");
        CheckpointFile.Write(bad, sections.ToList());
        return RefusedUnchanged(bad);
    }

    private static CheckpointException RefusedUnchanged(string bad)
    {
        Learner learn = CheckpointFiles.AdamWLearner(modelSeed: 5);
        learn.Fit(1);
        var weights = TinyTask.Weights(learn);
        byte[] optimizer = CheckpointFiles.OptimizerBytes(learn);
        byte[] rng = random.get_rng_state().bytes.ToArray();
        var ex = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(bad));
        TinyTask.AssertBitIdentical(weights, TinyTask.Weights(learn));
        Assert.Equal(optimizer, CheckpointFiles.OptimizerBytes(learn));
        Assert.Equal(rng, random.get_rng_state().bytes.ToArray());
        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void An_rng_section_of_length_0_is_refused()
    {
        var ex = Refused("rng", Array.Empty<byte>());
        Assert.Equal("rng", ex.Section);
        Assert.Contains("section 'rng'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_rng_state_of_a_wrong_length_is_refused_before_libtorch_sees_it()
    {
        var ex = Refused("rng", Bytes(w => { w.Write(100); w.Write(new byte[100]); w.Write(false); w.Write(false); }));
        Assert.Equal("rng", ex.Section);
        Assert.Contains("5056", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 0)]    // left = 0
    [InlineData(8, 625)]  // left beyond the state
    [InlineData(12, 0)]   // not seeded
    [InlineData(16, 625)] // next beyond the state
    public void An_invalid_mt19937_state_is_refused_before_libtorch_sees_it(int offset, int value)
    {
        byte[] state = random.get_rng_state().bytes.ToArray();
        GeneratorState.Check(state, "torch's state");
        BitConverter.GetBytes(value).CopyTo(state, offset);
        var ex = Refused("rng", Bytes(w => { w.Write(state.Length); w.Write(state); w.Write(false); w.Write(false); }));
        Assert.Equal("rng", ex.Section);
        Assert.Contains("mt19937", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_rank_one_million_is_refused()
    {
        var ex = Refused("model", Bytes(w => { w.Write(1); w.Write("lin1.weight"); w.Write(6); w.Write(1_000_000); }));
        Assert.Equal("model", ex.Section);
        Assert.Contains("rank 1000000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_claiming_2_to_the_40_bytes_is_refused_without_allocating_them()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Refused("model", Bytes(w => { w.Write(1); w.Write("lin1.weight"); w.Write(0); w.Write(1); w.Write(1L << 40); w.Write(1L << 40); }));
        Assert.Equal("model", ex.Section);
        Assert.Contains("claims 1099511627776 bytes", ex.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public void A_string_length_of_2_to_the_31_is_refused()
    {
        var ex = Refused("model", Bytes(w => { w.Write(1); w.Write(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x08 }); w.Write(new byte[32]); }));
        Assert.Equal("model", ex.Section);
        Assert.Contains("beyond 2^31 - 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_string_length_in_a_callback_section_is_refused()
    {
        // Every learner has an AvgStatsCallback, whose state the checkpoint holds.
        var ex = Refused("callback/AvgStatsCallback", Bytes(w => { w.Write(CallbackState.Version); w.Write(1); w.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 }); }));
        Assert.Equal("callback/AvgStatsCallback", ex.Section);
        Assert.Contains("claims 2147483647 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cut_optimizer_section_is_refused_and_the_optimizer_is_unchanged()
    {
        string good = Path.Combine(dir, "good.ckpt");
        CheckpointFiles.AdamWLearner().Fit(1, cbs: new[] { new SaveModel(good) });
        byte[] optimizer = CheckpointFile.Read(good)["optimizer"];
        var ex = Refused("optimizer", optimizer[..(optimizer.Length * 3 / 4)]);
        Assert.Equal("optimizer", ex.Section);
    }

    [Fact]
    public void Bytes_after_the_optimizer_state_are_refused_before_the_optimizer_changes()
    {
        string good = Path.Combine(dir, "good.ckpt");
        CheckpointFiles.AdamWLearner().Fit(1, cbs: new[] { new SaveModel(good) });
        byte[] optimizer = CheckpointFile.Read(good)["optimizer"];
        var ex = Refused("optimizer", optimizer.Concat(new byte[8]).ToArray());
        Assert.Equal("optimizer", ex.Section);
        Assert.Contains("followed by 8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_count_of_minus_1_is_refused()
    {
        string path = Path.Combine(dir, "count.ckpt");
        CheckpointFiles.AdamWLearner().Fit(1, cbs: new[] { new SaveModel(path) });
        byte[] bytes = File.ReadAllBytes(path);
        long index = BitConverter.ToInt64(bytes, bytes.Length - 40);
        BitConverter.GetBytes(-1).CopyTo(bytes, (int)index);
        File.WriteAllBytes(path, CheckpointFiles.Reseal(bytes));
        var ex = RefusedUnchanged(path);
        Assert.Null(ex.Section);
        Assert.Contains("its index claims -1 sections", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
