using CallbackGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// <see cref="Learner.Save"/>/<see cref="Learner.Load"/> and <see cref="ModelWeights"/>: the weights file is
/// the checkpoint container with the checkpoint's model section, checked the same way, and a file that does
/// not fit leaves the model unchanged.
/// </summary>
public sealed class WeightsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-weights-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Save_then_Load_restores_the_weights_and_leaves_no_temporary_file()
    {
        using var learn = TinyTask.Learner(seed: 1);
        string path = Path.Combine(dir, "model.cbw");
        learn.Save(path);
        float[] saved = Flat(learn.Model);
        learn.Fit(1, lr: 0.5);
        Assert.NotEqual(saved, Flat(learn.Model));

        learn.Load(path);

        Assert.Equal(saved, Flat(learn.Model));
        Assert.Equal(new[] { "model.cbw" }, Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_weights_file_is_a_checkpoint_container_whose_only_section_is_the_checkpoints_model_section()
    {
        using var learn = TinyTask.Learner(seed: 1);
        string weights = Path.Combine(dir, "model.cbw");
        string checkpoint = Path.Combine(dir, "last.ckpt");
        learn.Save(weights);
        learn.CreateOptimizer();
        Checkpoint.Write(learn, startEpoch: 0, nextBatch: 0, checkpoint);

        IReadOnlyDictionary<string, byte[]> sections = CheckpointFile.Read(weights);

        Assert.Equal(new[] { "model" }, sections.Keys);
        Assert.Equal(CheckpointFile.Read(checkpoint)["model"], sections["model"]);
    }

    [Fact]
    public void Load_takes_a_checkpoints_or_an_exports_weights_too()
    {
        string checkpoint = Path.Combine(dir, "last.ckpt");
        string export = Path.Combine(dir, "model.export");
        float[] trained;
        using (var source = TinyTask.Learner(seed: 2))
        {
            source.Fit(1, lr: 0.5, cbs: new[] { new SaveModel(checkpoint) });
            source.Export(export);
            trained = Flat(source.Model);
        }

        using var fromCheckpoint = TinyTask.Learner(seed: 1);
        using var fromExport = TinyTask.Learner(seed: 1);
        Assert.NotEqual(trained, Flat(fromCheckpoint.Model));

        fromCheckpoint.Load(checkpoint);
        fromExport.Load(export);

        Assert.Equal(trained, Flat(fromCheckpoint.Model));
        Assert.Equal(trained, Flat(fromExport.Model));
    }

    [Fact]
    public void Save_replaces_an_existing_file()
    {
        using var learn = TinyTask.Learner(seed: 1);
        string path = Path.Combine(dir, "model.cbw");
        File.WriteAllText(path, "old contents");

        learn.Save(path);
        using var other = TinyTask.Learner(seed: 2);
        other.Load(path);

        Assert.Equal(Flat(learn.Model), Flat(other.Model));
    }

    [Fact]
    public void ModelWeights_writes_the_same_file_to_a_path_or_a_stream_and_reads_either_back()
    {
        using var learn = TinyTask.Learner(seed: 1);
        string path = Path.Combine(dir, "model.cbw");
        learn.Save(path);
        using var stream = new MemoryStream();
        ModelWeights.Save(learn.Model, stream);
        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());

        var model = TinyTask.Model(seed: 5);
        stream.Position = 0;
        ModelWeights.Load(model, stream, source: "memory");
        Assert.Equal(Flat(learn.Model), Flat(model));

        var other = TinyTask.Model(seed: 6);
        ModelWeights.Load(other, path);
        Assert.Equal(Flat(learn.Model), Flat(other));
    }

    [Fact]
    public void A_file_of_another_shape_names_the_parameter_and_both_shapes_and_leaves_the_model_unchanged()
    {
        string path = Path.Combine(dir, "wide.cbw");
        using (var wide = new Learner(nn.Linear(3, 5), TinyTask.Data(), Losses.CrossEntropy))
        {
            wide.Save(path);
        }

        using var learn = TinyTask.Learner();
        float[] before = Flat(learn.Model);

        var ex = Assert.Throws<CheckpointException>(() => learn.Load(path));

        Assert.Contains("'weight' has shape [5, 3] (Float32) in the file but [2, 3] (Float32) in the model", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.Path);
        Assert.Equal(before, Flat(learn.Model));
    }

    [Fact]
    public void A_file_for_a_model_with_other_parameter_names_names_both_sides()
    {
        string path = Path.Combine(dir, "seq.cbw");
        using (var seq = new Learner(nn.Sequential(("lin", nn.Linear(3, 2))), TinyTask.Data(), Losses.CrossEntropy))
        {
            seq.Save(path);
        }

        using var learn = TinyTask.Learner();
        float[] before = Flat(learn.Model);

        var ex = Assert.Throws<CheckpointException>(() => learn.Load(path));

        Assert.Contains("the model's 'weight', 'bias' are not in the file; the file's 'lin.weight', 'lin.bias' are not in the model", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Flat(learn.Model));
    }

    [Fact]
    public void A_truncated_file_fails_at_every_cut_and_leaves_the_model_unchanged()
    {
        string path = Path.Combine(dir, "model.cbw");
        using (var source = TinyTask.Learner(seed: 2))
        {
            source.Save(path);
        }

        byte[] whole = File.ReadAllBytes(path);
        using var learn = TinyTask.Learner(seed: 1);
        float[] before = Flat(learn.Model);
        string cut = Path.Combine(dir, "cut.cbw");
        for (int length = 0; length < whole.Length; length++)
        {
            File.WriteAllBytes(cut, whole[..length]);

            var ex = Assert.Throws<CheckpointException>(() => learn.Load(cut));

            // Shorter than the magic bytes, the file cannot be told from a foreign one.
            string expected = length == 0 ? "the file is empty" : length < CheckpointFile.Magic.Length ? "it is not a weights file" : "truncated";
            Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, Flat(learn.Model));
        }
    }

    [Fact]
    public void A_flipped_bit_a_foreign_file_trailing_bytes_and_an_old_CBGW_file_are_refused_with_their_reason()
    {
        using var learn = TinyTask.Learner();
        float[] before = Flat(learn.Model);
        string path = Path.Combine(dir, "model.cbw");
        learn.Save(path);
        byte[] good = File.ReadAllBytes(path);

        string Reason(string name, byte[] bytes)
        {
            string file = Path.Combine(dir, name);
            File.WriteAllBytes(file, bytes);
            return Assert.Throws<CheckpointException>(() => learn.Load(file)).Message;
        }

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x10;
        Assert.Contains("checksum does not match", Reason("flipped.cbw", flipped), StringComparison.Ordinal);
        Assert.Contains("it is not a weights file", Reason("foreign.bin", "PK\u0003\u0004 not weights at all"u8.ToArray()), StringComparison.Ordinal);
        Assert.Contains("corrupted", Reason("trailing.cbw", good.Concat("extra"u8.ToArray()).ToArray()), StringComparison.Ordinal);
        Assert.Contains("an earlier CallbackGen (format 'CBGW')", Reason("old.cbw", "CBGW\u0001\u0002\0\0\0"u8.ToArray()), StringComparison.Ordinal);
        Assert.Equal(before, Flat(learn.Model));
    }

    [Fact]
    public void A_CallbackGen_file_without_weights_is_refused()
    {
        string path = Path.Combine(dir, "other.bin");
        CheckpointFile.Write(path, new[] { KeyValuePair.Create("learner", new byte[] { 1, 2, 3 }) });
        using var learn = TinyTask.Learner();

        var ex = Assert.Throws<CheckpointException>(() => learn.Load(path));

        Assert.Contains("without model weights (its sections: learner)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saving_over_a_folder_names_the_path_and_leaves_the_folder()
    {
        using var learn = TinyTask.Learner();
        string folder = Path.Combine(dir, "weights");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "kept");

        var ex = Assert.Throws<IOException>(() => learn.Save(folder));

        Assert.Contains($"Cannot write '{folder}': it is a folder", ex.Message, StringComparison.Ordinal);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(folder, "keep.txt")));
        Assert.Equal(new[] { "weights" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    private static float[] Flat(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}
