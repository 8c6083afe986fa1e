using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Samples.FashionMnist;
using static TorchSharp.torch;

namespace CallbackGen.Samples.Tests;

/// <summary><c>learn.Summary()</c> on the main job's two models, fed as the job feeds them (flat images reshaped by a batch transform).</summary>
public class ModelSummaryTests
{
    private static Learner Learner(ModelKind kind)
    {
        Tensor x = rand(12, 784), y = zeros(12, ScalarType.Int64);
        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 5));
        long[] shape = Models.InputShape(kind);
        return new Learner(Models.Create(kind), data, Losses.CrossEntropy, Optimizer.AdamW(), cbs: new[] { new BatchTransform(b => b.view(shape)) });
    }

    [Fact]
    public void Mlp_summary_lists_each_layer_with_its_output_shape_and_parameters()
    {
        using Learner learn = Learner(ModelKind.Mlp);

        ModelSummary s = learn.Summary();

        Assert.Equal(new long[] { 5, 784 }, s.InputShape);
        Assert.Equal(new[] { "hidden", "relu", "head" }, s.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "[5, 256]", "[5, 256]", "[5, 10]" }, s.Layers.Select(l => l.OutputShapeText));
        Assert.Equal(new long[] { (784 * 256) + 256, 0, (256 * 10) + 10 }, s.Layers.Select(l => l.Parameters));
        Assert.Equal(203_530, s.TotalParameters);
        Assert.Equal(203_530, s.TrainableParameters);
        Assert.Equal(0, s.FrozenParameters);
        Assert.Contains("Total params: 203,530", s.ToString());
    }

    [Fact]
    public void Cnn_summary_shows_the_reshaped_input_every_leaf_layer_and_frozen_counts()
    {
        using Learner learn = Learner(ModelKind.Cnn);

        ModelSummary s = learn.Summary();

        Assert.Equal(new long[] { 5, 1, 28, 28 }, s.InputShape);
        Assert.Equal(
            new[] { "conv1.0", "conv1.1", "conv1.2", "conv2.0", "conv2.1", "conv2.2", "conv3.0", "conv3.1", "conv3.2", "conv4.0", "conv4.1", "conv4.2", "pool", "flatten", "head" },
            s.Layers.Select(l => l.Name));
        Assert.Equal(new[] { "Conv2d", "BatchNorm2d", "ReLU" }, s.Layers.Take(3).Select(l => l.Type));
        Assert.Equal(
            new[] { "[5, 16, 14, 14]", "[5, 32, 7, 7]", "[5, 64, 4, 4]", "[5, 64, 2, 2]", "[5, 64, 1, 1]", "[5, 64]", "[5, 10]" },
            s.Layers.Where((_, i) => i % 3 == 0 || i >= 12).Select(l => l.OutputShapeText).Distinct());
        Assert.Equal(new long[] { 400, 32, 0 }, s.Layers.Take(3).Select(l => l.Parameters));
        const long total = 400 + 32 + 4608 + 64 + 18_432 + 128 + 36_864 + 128 + 650;
        Assert.Equal(total, s.TotalParameters);

        // Freezing the head's weights by hand shows up as frozen parameters.
        foreach (var p in learn.Model.named_parameters().Where(p => p.name.StartsWith("head", StringComparison.Ordinal)))
        {
            p.parameter.requires_grad = false;
        }

        ModelSummary frozen = learn.Summary();
        Assert.Equal(650, frozen.FrozenParameters);
        Assert.Equal(total - 650, frozen.TrainableParameters);
        Assert.False(frozen.Layers[^1].Trainable);
    }
}
