using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>The lesson's end-to-end check: the seed's MLP trained with our loss and loop learns.</summary>
public class SeedMlpTrainingTests
{
    [Fact]
    public void The_seed_MLP_784_50_10_with_SGD_reaches_an_accuracy_above_0_7_on_a_separable_set()
    {
        // Ten random 784-pixel prototypes; each sample is its class's prototype plus heavy noise.
        using var gen = new Generator().manual_seed(42);
        Tensor prototypes = randn(new long[] { 10, 784 }, generator: gen);
        Tensor y = randint(0, 10, new long[] { 1200 }, generator: gen);
        Tensor x = prototypes.index_select(0, y) + randn(new long[] { 1200, 784 }, generator: gen) * 3;
        var data = new DataBunch(
            new DataLoader(x[..1000], y[..1000], 64, shuffle: true, generator: gen),
            new DataLoader(x[1000..], y[1000..], 64));
        var model = nn.Sequential(("l1", nn.Linear(784, 50)), ("relu", nn.ReLU()), ("l2", nn.Linear(50, 10)));
        using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.05, metrics: new[] { Metric.Accuracy });

        learn.Validate();
        double before = learn.ValidStats!["accuracy"];
        learn.Fit(2);

        Assert.True(learn.ValidStats!["accuracy"] > 0.7, $"accuracy {learn.ValidStats["accuracy"]:F3} (before training {before:F3})");
        Assert.True(learn.TrainStats!.Loss < 1.0, $"train loss {learn.TrainStats.Loss:F3}");
        Assert.Equal(200, learn.ValidStats.Count);
    }
}
