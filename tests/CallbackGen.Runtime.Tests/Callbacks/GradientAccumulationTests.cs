using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class GradientAccumulationTests
{
    [Transient] // a test probe: counts one run
    private sealed partial class CountSteps : Callback
    {
        public int Steps { get; private set; }

        public int Batches { get; private set; }

        [Callback] private void AfterStep() => Steps++;

        [Callback] private void AfterBatch() => Batches += Training ? 1 : 0;
    }

    [Fact]
    public void Four_accumulated_batches_of_16_give_the_weights_of_one_batch_of_64()
    {
        using var task = new TinyTask(samples: 128, batchSize: 16, shuffle: false);
        Learner big = task.Learner(modelSeed: 1, dropout: false, adam: false, batchSize: 64);
        Learner small = task.Learner(modelSeed: 1, dropout: false, adam: false, batchSize: 16, cbs: new GradientAccumulation(4));
        Learner plain = task.Learner(modelSeed: 1, dropout: false, adam: false, batchSize: 16);

        big.Fit(2);
        small.Fit(2);
        plain.Fit(2);

        foreach (var (name, expected) in big.Model.state_dict())
        {
            Tensor actual = small.Model.state_dict()[name];
            Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6), $"'{name}' differs by {(actual - expected).abs().max().item<float>()}");
            Assert.False(plain.Model.state_dict()[name].allclose(expected, rtol: 1e-5, atol: 1e-6), "the control (no accumulation) should differ");
        }
    }

    [Fact]
    public void It_steps_every_n_batches_and_once_more_for_a_partial_group_at_the_end_of_each_epoch()
    {
        using var task = new TinyTask(samples: 80, batchSize: 16);
        var count = new CountSteps();
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new GradientAccumulation(2), count });

        learn.Fit(3);

        Assert.Equal(3 * 5, count.Batches);
        Assert.Equal(3 * 3, count.Steps);
        Assert.Equal(15, learn.TrainIter);
    }

    private sealed partial class CompareLoss : Callback
    {
        public List<(float Seen, float True)> Pairs { get; } = new();

        [Callback]
        private void AfterBatch()
        {
            using Tensor truth = Learn.LossFunc(Pred, Yb);
            Pairs.Add((Loss.item<float>(), truth.item<float>()));
        }
    }

    [Fact]
    public void The_loss_other_callbacks_see_after_backward_is_not_scaled()
    {
        using var task = new TinyTask(samples: 64, batchSize: 16, shuffle: false);
        var compare = new CompareLoss();
        Learner learn = task.Learner(modelSeed: 1, dropout: false, cbs: new Callback[] { new GradientAccumulation(4), compare });

        learn.Fit(1);

        Assert.Equal(4 + 2, compare.Pairs.Count);
        Assert.All(compare.Pairs, p => Assert.Equal(p.True, p.Seen));
    }

    [Fact]
    public void Bad_arguments_are_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientAccumulation(0));
}
