using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

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
    public void A_file_of_another_shape_names_the_first_mismatching_parameter_and_leaves_the_model_unchanged()
    {
        string path = Path.Combine(dir, "wide.cbw");
        using (var wide = new Learner(nn.Linear(3, 5), TinyTask.Data(), Losses.CrossEntropy))
        {
            wide.Save(path);
        }

        using var learn = TinyTask.Learner();
        float[] before = Flat(learn.Model);

        var ex = Assert.Throws<InvalidDataException>(() => learn.Load(path));

        Assert.Contains("parameter 'weight' has shape [5, 3] in the file but [2, 3] in the model", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
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

            var ex = Assert.Throws<InvalidDataException>(() => learn.Load(cut));

            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, Flat(learn.Model));
        }

        // The last cut ends inside the last parameter, and the message says which.
        File.WriteAllBytes(cut, whole[..^1]);
        Assert.Contains("inside parameter 'bias'", Assert.Throws<InvalidDataException>(() => learn.Load(cut)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_file_or_one_with_trailing_bytes_is_refused()
    {
        using var learn = TinyTask.Learner();
        string foreign = Path.Combine(dir, "foreign.bin");
        File.WriteAllBytes(foreign, "PK\u0003\u0004 not weights at all"u8.ToArray());
        Assert.Contains("not a CallbackGen weights file", Assert.Throws<InvalidDataException>(() => learn.Load(foreign)).Message, StringComparison.Ordinal);

        string path = Path.Combine(dir, "model.cbw");
        learn.Save(path);
        File.AppendAllText(path, "extra");
        Assert.Contains("unexpected bytes after the last parameter", Assert.Throws<InvalidDataException>(() => learn.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_for_a_model_with_other_parameter_names_names_the_first_unknown_one()
    {
        string path = Path.Combine(dir, "seq.cbw");
        using (var seq = new Learner(nn.Sequential(("lin", nn.Linear(3, 2))), TinyTask.Data(), Losses.CrossEntropy))
        {
            seq.Save(path);
        }

        using var learn = TinyTask.Learner();

        var ex = Assert.Throws<InvalidDataException>(() => learn.Load(path));

        Assert.Contains("it has parameter 'lin.weight', which the model does not have", ex.Message, StringComparison.Ordinal);
    }

    private static float[] Flat(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}
