using CallbackGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Checkpoints;

/// <summary>
/// The one snapshot of model and optimiser (LR finder, EarlyStopping's best state, checkpoints):
/// independent copies, restored in place bit for bit, every tensor released by Dispose.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class TrainingSnapshotTests
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_snapshot_restores_weights_and_optimiser_in_place_and_releases_every_tensor(bool ontoCpu)
    {
        using var task = new TinyTask();
        Learner learn = task.Learner(modelSeed: 1);
        learn.Fit(1); // Adam's moments exist and are not zero
        Dictionary<string, byte[]> weights = TinyTask.Weights(learn);
        byte[] optimizer = TinyTask.OptimizerBytes(learn.Opt);
        long before = Live;

        using (TrainingSnapshot snapshot = TrainingSnapshot.Take(learn.Model, learn.Opt, ontoCpu ? CPU : null))
        {
            Assert.Equal(before + learn.Model.state_dict().Count, Live);
            learn.Fit(1); // moves weights and moments on: the snapshot holds copies, not views
            Assert.NotEqual(optimizer, TinyTask.OptimizerBytes(learn.Opt));
            Assert.False(TinyTask.Weights(learn)["lin1.weight"].AsSpan().SequenceEqual(weights["lin1.weight"]));
            before = Live - learn.Model.state_dict().Count; // the helpers above keep their own handles

            snapshot.Restore(learn.Model, learn.Opt);
        }

        Assert.Equal(before, Live);
        TinyTask.AssertBitIdentical(weights, TinyTask.Weights(learn));
        Assert.Equal(optimizer, TinyTask.OptimizerBytes(learn.Opt));
    }
}
