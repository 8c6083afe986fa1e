using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

public partial class WalkingSkeletonTests
{
    private sealed partial class Recording : Callback
    {
        public List<string> Calls { get; } = new();

        [Callback] private void BeforeFit() => Calls.Add("BeforeFit");

        [Callback] private void AfterLoss() => Calls.Add($"AfterLoss:{(Training ? "train" : "valid")}");

        [Callback] private void AfterFit() => Calls.Add("AfterFit");
    }

    [Fact]
    public void A_user_callback_compiled_with_the_generator_runs_in_a_fit()
    {
        manual_seed(1);
        using var x = randn(8, 3);
        using var y = randn(8, 1);
        var data = new DataBunch(new DataLoader(x, y, batchSize: 4), new DataLoader(x, y, batchSize: 8));
        using var model = nn.Linear(3, 1);
        var rec = new Recording();
        var learn = new Learner(model, data, (p, t) => nn.functional.mse_loss(p, t), lr: 0.1, cbs: new[] { rec });

        learn.Fit(1);

        Assert.Equal(new[] { "BeforeFit", "AfterLoss:train", "AfterLoss:train", "AfterLoss:valid", "AfterFit" }, rec.Calls);
    }
}
