using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>Format 3 streams: round trips are bit-identical, any flipped byte is caught, writes allocate a bounded amount.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class StreamingFormatTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-stream-").FullName;

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(300_000)] // lin1.weight: 4.8 MB, more than the staging buffer
    public void Every_section_round_trips_bit_identically(int hidden)
    {
        string first = Path.Combine(dir, "a.ckpt"), second = Path.Combine(dir, "b.ckpt");
        Learner a = CheckpointFiles.AdamWLearner(modelSeed: 1, hidden: hidden, new CsvLogger(Path.Combine(dir, "a.csv")));
        a.Fit(1, cbs: new[] { new SaveModel(first) });

        Learner b = CheckpointFiles.AdamWLearner(modelSeed: 2, hidden: hidden, new CsvLogger(Path.Combine(dir, "b.csv")));
        b.Fit(1, cbs: new[] { new SaveModel(second) });
        b.LoadCheckpoint(first);
        TinyTask.AssertBitIdentical(TinyTask.Weights(a), TinyTask.Weights(b));
        Assert.Equal(CheckpointFiles.OptimizerBytes(a), CheckpointFiles.OptimizerBytes(b));

        // Written again from the learner that loaded it: every section holds the same bytes.
        Checkpoint.Write(b, startEpoch: 1, nextBatch: 0, second);
        var x = CheckpointFile.Read(first);
        var y = CheckpointFile.Read(second);
        // b has no SaveModel attached now; everything else it holds.
        Assert.Equal(x.Keys.Where(k => k != "callback/SaveModel").Order(), y.Keys.Order());
        Assert.Contains("callback/CsvLogger", y.Keys);
        foreach (string section in y.Keys.Where(k => k != "learner"))
        {
            Assert.True(x[section].AsSpan().SequenceEqual(y[section]), $"section '{section}' differs");
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(0, true)]
    [InlineData(3 << 20, true)] // 12 MB of float32: three chunks through the staging tensor
    [InlineData(1000, false)]
    public void Tensor_elements_round_trip_through_the_span_and_the_staging_path(int elements, bool staged)
    {
        using Tensor source = randn(elements);
        using var stream = new MemoryStream();
        TensorBytes.Write(stream, source, staged);
        Assert.Equal((long)elements * 4, stream.Length);
        stream.Position = 0;
        using Tensor target = zeros(elements);
        TensorBytes.ReadInto(stream, target, stream.Length, staged);
        Assert.True(source.bytes.SequenceEqual(target.bytes));
    }

    private sealed class WithEmptyBuffer : nn.Module<Tensor, Tensor>
    {
        public WithEmptyBuffer(long seed)
            : base(nameof(WithEmptyBuffer))
        {
            manual_seed(seed);
            register_module("lin", nn.Linear(2, 3));
            register_buffer("empty", zeros(0, 5));
        }

        public override Tensor forward(Tensor input) => input;
    }

    [Fact]
    public void An_empty_tensor_round_trips_in_a_weights_file()
    {
        var model = new WithEmptyBuffer(1);
        string path = Path.Combine(dir, "empty.weights");
        ModelWeights.Save(model, path);
        var other = new WithEmptyBuffer(2);
        ModelWeights.Load(other, path);
        Assert.True(model.state_dict()["lin.weight"].bytes.SequenceEqual(other.state_dict()["lin.weight"].bytes));
        Assert.Equal(new long[] { 0, 5 }, other.state_dict()["empty"].shape);
        Assert.Contains(TensorCodec.ReadHeaders(new BinaryReader(new MemoryStream(CheckpointFile.Read(path)["model"]))), h => h.Name == "empty" && h.ByteCount == 0);
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_a_weights_file_is_refused_and_changes_nothing()
    {
        var model = nn.Linear(3, 2);
        string good = Path.Combine(dir, "w.weights");
        ModelWeights.Save(model, good);
        byte[] bytes = File.ReadAllBytes(good);
        var target = nn.Linear(3, 2);
        byte[] before = target.state_dict()["weight"].bytes.ToArray();
        string bad = Path.Combine(dir, "bad.weights");
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            File.WriteAllBytes(bad, copy);
            Assert.Throws<CheckpointException>(() => ModelWeights.Load(target, bad));
        }

        Assert.Equal(before, target.state_dict()["weight"].bytes.ToArray());
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_a_checkpoint_is_refused()
    {
        string good = CheckpointFiles.MidEpochCheckpoint(dir);
        byte[] bytes = File.ReadAllBytes(good);
        Learner learn = CheckpointFiles.AdamWLearner(modelSeed: 3);
        learn.CreateOptimizer();
        var weights = TinyTask.Weights(learn);
        string bad = Path.Combine(dir, "bad.ckpt");
        // Every 7th byte, and the first and last 64: header, sections, index and digest.
        foreach (int i in Enumerable.Range(0, bytes.Length).Where(i => i % 7 == 0 || i < 64 || i >= bytes.Length - 64))
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= 0x80;
            File.WriteAllBytes(bad, copy);
            var ex = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(bad));
            Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        }

        TinyTask.AssertBitIdentical(weights, TinyTask.Weights(learn));
    }

    [Fact]
    public void A_file_of_format_version_2_is_refused_with_a_message_that_says_why()
    {
        string path = Path.Combine(dir, "v2.ckpt");
        ModelWeights.Save(nn.Linear(3, 2), path);
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(2).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<CheckpointException>(() => ModelWeights.Load(nn.Linear(3, 2), path));
        Assert.Contains("format version 2, written by an earlier CallbackGen", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Writing_and_loading_a_100_MB_model_allocate_a_bounded_amount_on_the_managed_heap()
    {
        // 5000 × 5000 float32 = 100 MB. The old format held the file twice in managed arrays.
        const long Bound = 4 << 20;
        var model = nn.Sequential(("lin", nn.Linear(5000, 5000)));
        string path = Path.Combine(dir, "big.weights");
        ModelWeights.Save(model, Path.Combine(dir, "warm.weights"));

        long before = GC.GetAllocatedBytesForCurrentThread();
        ModelWeights.Save(model, path);
        long written = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        ModelWeights.Load(model, path);
        long read = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(new FileInfo(path).Length > 100_000_000);
        Assert.True(written < Bound, $"writing allocated {written} managed bytes");
        Assert.True(read < Bound, $"loading allocated {read} managed bytes");
    }

    [Fact]
    public void A_checkpoint_write_streams_the_live_state_without_a_copy()
    {
        // 2000 × 2000 float32 (16 MB) and AdamW's two moments: 48 MB of state, written with a few hundred kB at most.
        Learner learn = CheckpointFiles.AdamWLearner(hidden: 4);
        var big = nn.Sequential(("lin", nn.Linear(2000, 2000)));
        var bigLearn = new Learner(big, learn.Data, (p, t) => p.sum() - t.sum(), Optimizer.AdamW(), lr: 1e-3);
        Optimizer opt = bigLearn.CreateOptimizer();
        using (Tensor loss = big.forward(ones(1, 2000)).sum())
        {
            loss.backward();
        }

        opt.Step();
        string path = Path.Combine(dir, "adamw.ckpt");
        Checkpoint.Write(bigLearn, 0, 0, Path.Combine(dir, "warm.ckpt"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Checkpoint.Write(bigLearn, 0, 0, path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(new FileInfo(path).Length > 48_000_000);
        Assert.True(allocated < 1 << 20, $"a checkpoint write allocated {allocated} managed bytes");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
