using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// Nothing the loop allocates per batch survives the batch. Counted with TorchSharp's dispose-scope
/// statistics: the live count of tensor handles created on this thread (per thread, so tests on
/// other threads do not disturb it).
/// </summary>
public class MemoryTests
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Fact]
    public void After_a_warm_epoch_the_live_tensor_count_is_back_to_its_starting_value()
    {
        using var learn = new Learner(TinyTask.Model(), TinyTask.Data(trainBatches: 5, validBatches: 3), Losses.CrossEntropy,
            Optimizer.Sgd(momentum: 0.9, weightDecay: 1e-4), lr: 0.1, metrics: new[] { Metric.Accuracy });
        learn.Fit(1); // warm: creates the optimiser, its momentum buffers and the gradients

        long before = Live;
        learn.Fit(1);
        long afterFit = Live;
        learn.Validate();
        long afterValidate = Live;

        Assert.Equal(before, afterFit);
        Assert.Equal(before, afterValidate);
    }

    [Fact]
    public void The_count_does_see_a_tensor_that_a_handler_keeps_past_its_batch()
    {
        var leak = new LeakOnePerBatch();
        using var learn = TinyTask.Learner(cbs: new[] { leak });
        learn.Fit(1);
        leak.Release();

        long before = Live;
        learn.Fit(1);

        Assert.Equal(before + 3, Live); // 2 training + 1 validation batches, one kept tensor each
        leak.Release();
        Assert.Equal(before, Live);
    }
}

/// <summary>Keeps one tensor per batch out of the batch's dispose scope: the leak the count must catch.</summary>
internal sealed partial class LeakOnePerBatch : Callback
{
    private readonly List<Tensor> kept = new();

    [Callback]
    private void AfterBatch() => kept.Add(zeros(1).DetachFromDisposeScope());

    public void Release()
    {
        kept.ForEach(t => t.Dispose());
        kept.Clear();
    }
}
