namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed partial class ReduceLROnPlateauTests : IDisposable
{
    private static readonly double[] Script = [5, 4, 4.5, 4.2, 4.1, 3, 3.5, 3.6];
    private readonly string dir = Directory.CreateTempSubdirectory("cbg-plateau-").FullName;

    [Transient] // a test probe: the rate each epoch trained at
    private sealed partial class RatePerEpoch : Callback
    {
        public List<double> Rates { get; } = [];

        [Callback]
        private void BeforeEpoch() => Rates.Add(Opt.Get(Hyper.Lr));
    }

    [Fact]
    public void It_multiplies_the_rate_after_patience_epochs_without_improvement_and_starts_counting_again()
    {
        using var task = new TinyTask();
        var plateau = new ReduceLROnPlateau(patience: 2, factor: 0.5);
        var rates = new RatePerEpoch();
        Learner learn = task.Learner(modelSeed: 1, cbs: [new ScriptedMetric(Script), rates]);

        learn.Fit(8, cbs: [plateau]);

        // valid_loss 5, 4 (best), 4.5, 4.2 → reduce after epoch 3; 4.1, 3 (best), 3.5, 3.6 → reduce after epoch 7.
        Assert.Equal([3, 7], plateau.ReducedAfter);
        Assert.Equal([1e-2, 1e-2, 1e-2, 1e-2, 5e-3, 5e-3, 5e-3, 5e-3], rates.Rates);
        Assert.Equal(2.5e-3, learn.Opt.Get(Hyper.Lr), 15);
        Assert.Equal(3, plateau.Best);
    }

    [Fact]
    public void The_rate_never_goes_below_min_lr()
    {
        using var task = new TinyTask();
        var plateau = new ReduceLROnPlateau(patience: 1, factor: 0.1, minLr: 4e-3);
        Learner learn = task.Learner(modelSeed: 1, cbs: [new ScriptedMetric(1, 2, 3, 4)]);

        learn.Fit(4, cbs: [plateau]);

        Assert.Equal([1, 2, 3], plateau.ReducedAfter);
        Assert.Equal(4e-3, learn.Opt.Get(Hyper.Lr), 15);
    }

    [Fact]
    public void A_resumed_fit_reduces_at_the_same_epochs_and_ends_bit_identical()
    {
        using var task = new TinyTask();
        string ckpt = Path.Combine(dir, "last.ckpt");
        var whole = new ReduceLROnPlateau(patience: 2, factor: 0.5);
        Learner uninterrupted = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(Script));
        uninterrupted.Fit(8, cbs: [whole]);

        // The crash comes after the first reduction (epoch 3) and inside a plateau (wait 1 after epoch 4).
        Learner first = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(Script));
        Assert.Throws<SimulatedCrashException>(() => first.Fit(8, cbs: [new ReduceLROnPlateau(patience: 2, factor: 0.5), new SaveModel(ckpt), new ThrowAt(5, 0)]));
        var plateau = new ReduceLROnPlateau(patience: 2, factor: 0.5);
        Learner resumed = task.Learner(modelSeed: 2, cbs: new ScriptedMetric(Script));
        resumed.Fit(8, resumeFrom: ckpt, cbs: [plateau, new SaveModel(ckpt)]);

        Assert.Equal(whole.ReducedAfter, plateau.ReducedAfter);
        Assert.Equal(uninterrupted.Opt.Get(Hyper.Lr), resumed.Opt.Get(Hyper.Lr));
        TinyTask.AssertBitIdentical(TinyTask.Weights(uninterrupted), TinyTask.Weights(resumed));
        Assert.Equal(TinyTask.OptimizerBytes(uninterrupted.Opt), TinyTask.OptimizerBytes(resumed.Opt));
    }

    [Fact]
    public void A_factor_of_one_or_more_is_refused_with_the_convention()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 10));
        Assert.Contains("fastai's factor 10 is 0.1 here", error.Message);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
