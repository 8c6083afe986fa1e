using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Callbacks;

/// <summary>A fit cancelled in the middle of a later epoch reports its last completed epoch (issue 29).</summary>
public sealed partial class CancelledFitResultsTests
{
    [Fact]
    public void A_fit_cancelled_in_epoch_1_keeps_epoch_0s_row_and_validation_stats()
    {
        using var gen = new Generator(3);
        Tensor x = randn(new long[] { 8, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 0, 1, 1, 0, 1, 0 });
        using var learn = new Learner(nn.Linear(3, 2), new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4)), Losses.CrossEntropy);

        learn.Fit(3, cbs: [new CancelInEpochOne()]);

        EpochRecord row = Assert.IsType<EpochRecord>(learn.LastEpoch);
        Assert.Equal(0, row.Epoch);
        Assert.NotNull(learn.ValidStats);
        Assert.Same(row.Valid, learn.ValidStats);
    }

    [Fact]
    public void A_fit_cancelled_in_its_first_epoch_has_no_row()
    {
        using var gen = new Generator(3);
        Tensor x = randn(new long[] { 8, 3 }, generator: gen);
        Tensor y = tensor(new long[] { 0, 1, 0, 1, 1, 0, 1, 0 });
        using var learn = new Learner(nn.Linear(3, 2), new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4)), Losses.CrossEntropy);
        learn.Fit(1);

        learn.Fit(2, cbs: [new CancelAtFirstBatch()]);

        Assert.Null(learn.LastEpoch);
        Assert.Null(learn.ValidStats);
    }

    private sealed partial class CancelInEpochOne : Callback
    {
        [Callback]
        private void AfterBatch()
        {
            if (Epoch == 1 && Training && Iter == 1)
            {
                throw new CancelFitException();
            }
        }
    }

    private sealed partial class CancelAtFirstBatch : Callback
    {
        [Callback] private void AfterBatch() => throw new CancelFitException();
    }
}
