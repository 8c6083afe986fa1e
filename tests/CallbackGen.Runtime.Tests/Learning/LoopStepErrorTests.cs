using CallbackGen.Data;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>A failure of the loop's own steps names where it happened and what the tensors were.</summary>
public sealed partial class LoopStepErrorTests(ITestOutputHelper output)
{
    [Fact]
    public void A_dataset_with_one_wrong_shaped_sample_names_the_phase_epoch_batch_and_sample()
    {
        var samples = Enumerable.Range(0, 8).Select(i => new Sample(ones(i == 5 ? 4 : 3), tensor((long)(i % 2)))).ToArray();
        var train = DataLoader.FromDataset(new Samples(samples), batchSize: 4);
        var valid = DataLoader.FromDataset(new Samples(samples[..4]), batchSize: 4);
        using var learn = new Learner(nn.Linear(3, 2), new DataBunch(train, valid), Losses.CrossEntropy);

        var ex = Assert.Throws<LoopStepException>(() => learn.Fit(1));

        output.WriteLine(ex.Message);
        Assert.Equal(LoopStep.Collate, ex.Step);
        string first = ex.Message.Split('\n')[0];
        Assert.StartsWith("Drawing the batch (reading its samples and collating them) failed in the training phase, epoch 0, batch 1:", first, StringComparison.Ordinal);
        Assert.Contains("sample 5 has x [4] Float32", first, StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", first, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception raised from", first, StringComparison.Ordinal);
        var collate = Assert.IsType<CollateException>(ex.InnerException);
        Assert.Equal(new long[] { 5 }, collate.SampleIndices);
        Assert.NotNull(collate.InnerException);
    }

    [Fact]
    public void A_model_with_too_few_outputs_gets_the_shapes_and_a_class_count_hint()
    {
        using var gen = new TorchSharp.torch.Generator(3);
        Tensor x = randn(new long[] { 12, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2 });
        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
        using var learn = new Learner(nn.Linear(3, 2), data, Losses.CrossEntropy);

        var ex = Assert.Throws<LoopStepException>(() => learn.Fit(1));

        output.WriteLine(ex.Message);
        Assert.Equal(LoopStep.Loss, ex.Step);
        Assert.StartsWith("The loss function failed in the training phase, epoch 0, batch 0:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Xb: [4, 3] Float32, Yb: [4] Int64, Pred: [4, 2] Float32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the targets hold class 2 but the model's output has 2 columns", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at least 3 outputs", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", ex.Message.Split('\n')[0], StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void A_regression_loss_against_int64_targets_fails_in_backward_with_the_context_and_a_dtype_hint()
    {
        using var gen = new TorchSharp.torch.Generator(3);
        Tensor x = randn(new long[] { 8, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 0, 1, 1, 0, 1, 0 }).unsqueeze(1);
        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
        using var learn = new Learner(nn.Linear(3, 1), data, (pred, target) => nn.functional.mse_loss(pred, target));

        var ex = Assert.Throws<LoopStepException>(() => learn.Fit(1));

        output.WriteLine(ex.Message);
        Assert.Equal(LoopStep.Backward, ex.Step);
        Assert.StartsWith("The backward pass (Loss.backward()) failed in the training phase, epoch 0, batch 0:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Yb: [4, 1] Int64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Hint: Yb is Int64: a regression loss", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", ex.Message.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void An_optimiser_step_failure_names_the_step_phase_epoch_and_batch()
    {
        using var gen = new TorchSharp.torch.Generator(3);
        Tensor x = randn(new long[] { 8, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 0, 1, 1, 0, 1, 0 });
        var data = new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
        using var learn = new Learner(nn.Linear(3, 2), data, Losses.CrossEntropy,
            optFunc: (model, lr) => new FailingOptimizer(TorchSharp.torch.optim.SGD(model.parameters(), lr)));

        var ex = Assert.Throws<LoopStepException>(() => learn.Fit(1));

        Assert.Equal(LoopStep.Step, ex.Step);
        Assert.StartsWith("The optimiser's step failed in the training phase, epoch 0, batch 0: the update broke", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void An_exception_from_a_callback_is_not_wrapped()
    {
        using var gen = new TorchSharp.torch.Generator(3);
        Tensor x = randn(new long[] { 4, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 0, 1 });
        using var learn = new Learner(nn.Linear(3, 2), new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4)), Losses.CrossEntropy);

        Assert.Throws<FormatException>(() => learn.Fit(1, cbs: new[] { new Faulty() }));
    }

    private sealed class Samples(Sample[] items) : IDataset<Sample>
    {
        public long Count => items.Length;

        public Sample this[long index] => items[index];
    }

    private sealed partial class Faulty : Callback
    {
        [Callback] private void AfterPred() => throw new FormatException("a callback's own failure");
    }

    private sealed class FailingOptimizer(TorchSharp.torch.optim.Optimizer inner) : TorchSharpOptimizer(inner)
    {
        public override void Step() => throw new InvalidOperationException("the update broke");
    }
}
