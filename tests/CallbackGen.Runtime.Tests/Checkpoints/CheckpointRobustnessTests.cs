using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>Bad checkpoint files fail with a clear error and change nothing; writes are atomic.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class CheckpointRobustnessTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-ckpt-").FullName;
    private readonly TinyTask task = new();

    private string GoodCheckpoint(int seed = 1)
    {
        string path = Path.Combine(dir, $"good{seed}.ckpt");
        Learner learn = task.Learner(modelSeed: seed);
        learn.Fit(1, cbs: new[] { new SaveModel(path) });
        return path;
    }

    private void AssertRejectedAndModelUnchanged(string path, string expectedInMessage)
    {
        Learner learn = task.Learner(modelSeed: 7);
        learn.CreateOptimizer();
        var before = TinyTask.Weights(learn);

        var load = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(path));
        var resume = Assert.Throws<CheckpointException>(() => learn.Fit(2, resumeFrom: path));

        Assert.Contains(expectedInMessage, load.Message, StringComparison.Ordinal);
        Assert.Contains(path, load.Message, StringComparison.Ordinal);
        Assert.Equal(load.Message, resume.Message);
        TinyTask.AssertBitIdentical(before, TinyTask.Weights(learn));
    }

    [Fact]
    public void A_zero_length_file_is_rejected() =>
        AssertRejectedAndModelUnchanged(Write("empty.ckpt", Array.Empty<byte>()), "the file is empty");

    [Fact]
    public void A_foreign_file_is_rejected() =>
        AssertRejectedAndModelUnchanged(Write("foreign.ckpt", "PK\u0003\u0004 this is a zip, not a checkpoint"u8.ToArray()), "not a checkpoint");

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.5)]
    [InlineData(0.01)]
    public void A_truncated_file_is_rejected(double keep)
    {
        byte[] bytes = File.ReadAllBytes(GoodCheckpoint());
        AssertRejectedAndModelUnchanged(Write("cut.ckpt", bytes[..(int)(bytes.Length * keep)]), "truncated");
    }

    [Fact]
    public void A_flipped_bit_is_rejected()
    {
        byte[] bytes = File.ReadAllBytes(GoodCheckpoint());
        bytes[bytes.Length / 2] ^= 0x10;
        AssertRejectedAndModelUnchanged(Write("flipped.ckpt", bytes), "corrupted");
    }

    [Fact]
    public void A_file_of_another_format_version_is_rejected()
    {
        byte[] bytes = File.ReadAllBytes(GoodCheckpoint());
        BitConverter.GetBytes(99).CopyTo(bytes, CheckpointFile.Magic.Length);
        AssertRejectedAndModelUnchanged(Write("v99.ckpt", bytes), "format version 99");
    }

    [Fact]
    public void A_checkpoint_of_another_shape_names_the_first_mismatching_parameter()
    {
        string path = GoodCheckpoint();
        manual_seed(3);
        var wider = nn.Sequential(("lin1", nn.Linear(4, 32)), ("relu", nn.ReLU()), ("drop", nn.Dropout(0.2)), ("lin2", nn.Linear(32, 1)));
        Learner learn = new(wider, task.Learner(1).Data, (p, t) => nn.functional.mse_loss(p, t));
        var before = TinyTask.Weights(learn);

        var ex = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(path));

        Assert.Contains("'lin1.weight' has shape [16, 4]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[32, 4]", ex.Message, StringComparison.Ordinal);
        TinyTask.AssertBitIdentical(before, TinyTask.Weights(learn));
    }

    [Fact]
    public void A_checkpoint_of_another_optimiser_is_rejected_after_the_weights_were_put_back()
    {
        string path = Path.Combine(dir, "sgd.ckpt");
        task.Learner(modelSeed: 1, adam: false).Fit(1, cbs: new[] { new SaveModel(path) });
        Learner adam = task.Learner(modelSeed: 7);
        adam.CreateOptimizer();
        var before = TinyTask.Weights(adam);

        var ex = Assert.Throws<CheckpointException>(() => adam.LoadCheckpoint(path));

        Assert.Contains("the optimiser's state does not fit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'SGD'", ex.Message, StringComparison.Ordinal);
        TinyTask.AssertBitIdentical(before, TinyTask.Weights(adam));
    }

    private sealed partial class Counter(int value, bool readsBoth) : Callback, ICheckpointable
    {
        public int Value { get; private set; } = value;

        protected override string DefaultStateKey => "counter";

        public void SaveState(BinaryWriter writer)
        {
            writer.Write(Value);
            writer.Write(Value);
        }

        public void LoadState(BinaryReader reader)
        {
            Value = reader.ReadInt32();
            if (readsBoth)
            {
                reader.ReadInt32();
            }
        }
    }

    [Fact]
    public void A_callback_state_that_does_not_fit_is_rejected_and_everything_is_put_back()
    {
        string path = Path.Combine(dir, "counter.ckpt");
        task.Learner(modelSeed: 1, cbs: new Counter(5, readsBoth: true)).Fit(1, cbs: new[] { new SaveModel(path) });
        var counter = new Counter(9, readsBoth: false); // reads one int of the two written: another version of the callback
        Learner learn = task.Learner(modelSeed: 7, cbs: counter);
        learn.CreateOptimizer();
        var before = TinyTask.Weights(learn);

        var ex = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(path));

        Assert.Contains("the state of callback 'Counter' (key 'counter') does not fit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("left 4 bytes unread", ex.Message, StringComparison.Ordinal);
        Assert.Equal(9, counter.Value);
        TinyTask.AssertBitIdentical(before, TinyTask.Weights(learn));
    }

    [Fact]
    public void A_tensor_whose_bytes_do_not_match_its_shape_is_rejected_before_anything_is_allocated()
    {
        string good = GoodCheckpoint();
        var sections = CheckpointFile.Read(good).ToDictionary(p => p.Key, p => p.Value);
        List<TensorRecord> records;
        using (var r = new BinaryReader(new MemoryStream(sections["model"])))
        {
            records = TensorCodec.Read(r);
        }

        using (var ms = new MemoryStream())
        {
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                w.Write(records.Count);
                foreach (TensorRecord rec in records)
                {
                    byte[] data = rec.Name == "lin1.weight" ? new byte[4] : rec.Data;
                    w.Write(rec.Name);
                    w.Write((int)rec.DType);
                    w.Write(rec.Shape.Length);
                    Array.ForEach(rec.Shape, w.Write);
                    w.Write((long)data.Length);
                    w.Write(data);
                }
            }

            sections["model"] = ms.ToArray();
        }

        string bad = Path.Combine(dir, "short-tensor.ckpt");
        CheckpointFile.Write(bad, sections.ToList());
        Learner learn = task.Learner(modelSeed: 7);
        learn.CreateOptimizer();

        var ex = Assert.Throws<CheckpointException>(() => learn.LoadCheckpoint(bad));

        Assert.Contains("tensor 'lin1.weight' of shape [16, 4] and type Float32 needs 256 bytes but claims 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal("model", ex.Section);
    }

    [Fact]
    public void A_good_checkpoint_loads_the_weights_it_holds()
    {
        string path = GoodCheckpoint(seed: 1);
        Learner trained = task.Learner(modelSeed: 1);
        trained.LoadCheckpoint(path);
        Learner other = task.Learner(modelSeed: 7);

        other.LoadCheckpoint(path);

        TinyTask.AssertBitIdentical(TinyTask.Weights(trained), TinyTask.Weights(other));
    }

    [Fact]
    public void A_write_interrupted_after_the_temporary_file_was_created_leaves_the_old_checkpoint_loadable()
    {
        string path = GoodCheckpoint(seed: 1);
        byte[] old = File.ReadAllBytes(path);
        IReadOnlyDictionary<string, byte[]> other = CheckpointFile.Read(GoodCheckpoint(seed: 2));
        string? temp = null;

        var ex = Assert.Throws<IOException>(() => CheckpointFile.Write(path, other.ToList(), t =>
        {
            temp = t;
            return new DiskFullAfter(new FileStream(t, FileMode.CreateNew), bytes: 1000);
        }));

        Assert.Equal("disk full (simulated)", ex.Message);
        Assert.NotNull(temp);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetDirectoryName(temp));
        Assert.False(File.Exists(temp), "the temporary file was not removed");
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir, "*good1.ckpt*"));
        task.Learner(modelSeed: 2).LoadCheckpoint(path);
    }

    [Fact]
    public void A_failure_loading_a_section_is_a_CheckpointException_naming_the_file_with_the_cause_inside()
    {
        string path = GoodCheckpoint(seed: 1);
        var sections = CheckpointFile.Read(path).ToDictionary();
        sections["optimizer"] = sections["optimizer"][..^3];
        string bad = Path.Combine(dir, "bad-optimizer.ckpt");
        CheckpointFile.Write(bad, sections.ToList());

        var ex = Assert.Throws<CheckpointException>(() => task.Learner(modelSeed: 2).LoadCheckpoint(bad));

        Assert.Equal(bad, ex.Path);
        Assert.StartsWith($"Cannot load checkpoint '{bad}': section 'optimizer': ", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
        Assert.IsNotType<CheckpointException>(ex.InnerException);
    }

    /// <summary>A stream that fails as a full disk would, after <c>bytes</c> bytes.</summary>
    private sealed class DiskFullAfter(Stream inner, long bytes) : Stream
    {
        private long written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => written;

        public override long Position { get => written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (written + buffer.Length > bytes)
            {
                throw new IOException("disk full (simulated)");
            }

            inner.Write(buffer);
            written += buffer.Length;
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    [Fact]
    public void A_temporary_file_left_by_a_killed_process_does_not_affect_the_checkpoint()
    {
        string path = GoodCheckpoint(seed: 1);
        File.WriteAllBytes(path + ".tmp-4242-deadbeef", File.ReadAllBytes(path)[..100]);
        Learner learn = task.Learner(modelSeed: 2);

        learn.LoadCheckpoint(path);
        learn.Fit(1, cbs: new[] { new SaveModel(path) });

        learn.LoadCheckpoint(path);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        task.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
