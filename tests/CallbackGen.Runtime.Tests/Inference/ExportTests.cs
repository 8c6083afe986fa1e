using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Runtime.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Inference;

public class ExportTests
{
    private static nn.Module<Tensor, Tensor> Net() => nn.Sequential(("flat", nn.Flatten()), ("lin", nn.Linear(4, 3)));

    /// <summary>Raw inputs [N, 4] in [0, 1] that a batch transform normalises and reshapes to [N, 2, 2].</summary>
    private static Learner Trained(out Tensor raw)
    {
        using var g = new Generator(9);
        raw = rand(new long[] { 12, 4 }, generator: g);
        Tensor y = raw.argmax(1).remainder(3);
        var data = new DataBunch(new DataLoader(raw, y, 4), new DataLoader(raw, y, 6));
        var transform = BatchTransform.Of(
            ExportedTransform.ForReshape(-1, 2, 2),
            ExportedTransform.ForNormalize(tensor(new[] { 0.5f, 0.4f }).view(1, 2, 1), tensor(new[] { 0.3f, 0.2f }).view(1, 2, 1)));
        manual_seed(2);
        var learn = new Learner(Net(), data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1, cbs: new[] { transform });
        learn.Fit(1);
        return learn;
    }

    [Fact]
    public void Export_then_load_predicts_like_the_learner_on_raw_inputs()
    {
        using var learn = Trained(out Tensor raw);
        string path = Path.Combine(Path.GetTempPath(), $"cbg-export-{Guid.NewGuid():N}.export");
        try
        {
            learn.Export(path, modelName: "tiny", modelVersion: "3", classNames: new[] { "a", "b", "c" });

            using var loaded = InferenceModel.Load(path, Net);

            using Tensor expected = learn.Predict(raw);
            using Tensor actual = loaded.Predict(raw);
            Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-6));
            Assert.Equal(("tiny", "3"), (loaded.Metadata.ModelName, loaded.Metadata.ModelVersion));
            Assert.Equal(new[] { "a", "b", "c" }, loaded.Metadata.ClassNames);
            Assert.Equal(new[] { ExportedTransform.Reshape, ExportedTransform.Normalize }, loaded.Transforms.Select(t => t.Kind));
            IReadOnlyList<ClassPrediction> classes = loaded.PredictClasses(raw);
            using Tensor argmax = expected.argmax(1);
            Assert.Equal(argmax.data<long>().ToArray().Select(c => (int)c), classes.Select(c => c.Class));
            Assert.Equal(classes.Select(c => new[] { "a", "b", "c" }[c.Class]), classes.Select(c => c.Name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_per_channel_Normalize_goes_into_the_export_and_applies_on_load()
    {
        var normalize = new Normalize(new ChannelStats([0.1f, 0.2f, 0.3f], [1f, 2f, 4f]));
        using var learn = TinyTask.Learner(cbs: new[] { normalize });
        string path = Path.Combine(Path.GetTempPath(), $"cbg-export-{Guid.NewGuid():N}.export");
        try
        {
            learn.Export(path);
            using var loaded = InferenceModel.Load(path, () => nn.Linear(3, 2));
            using Tensor x = randn(5, 3);

            using Tensor expected = learn.Predict(x);
            using Tensor actual = loaded.Predict(x);

            Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-6));
            using Tensor unnormalised = learn.Model.forward(x);
            Assert.False(actual.allclose(unnormalised, rtol: 0, atol: 1e-3));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_transform_built_from_functions_cannot_be_exported_and_the_error_says_which()
    {
        using var learn = TinyTask.Learner(cbs: new[] { new BatchTransform(x => x * 2) });
        string path = Path.Combine(Path.GetTempPath(), $"cbg-export-{Guid.NewGuid():N}.export");

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Export(path));

        Assert.Contains("BatchTransform", ex.Message);
        Assert.Contains("BatchTransform.Of", ex.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Loading_into_another_architecture_or_a_non_export_names_the_problem()
    {
        using var learn = Trained(out _);
        string path = Path.Combine(Path.GetTempPath(), $"cbg-export-{Guid.NewGuid():N}.export");
        string other = path + ".weights";
        try
        {
            learn.Export(path);
            var wrong = Assert.Throws<CallbackGen.Checkpoints.CheckpointException>(() => InferenceModel.Load(path, () => nn.Sequential(("flat", nn.Flatten()), ("lin", nn.Linear(4, 5)))));
            Assert.Contains("'lin.weight'", wrong.Message);

            File.WriteAllBytes(other, new byte[] { 1, 2, 3 });
            Assert.Throws<CallbackGen.Checkpoints.CheckpointException>(() => InferenceModel.Load(other, Net));
        }
        finally
        {
            File.Delete(path);
            File.Delete(other);
        }
    }
}
