using CallbackGen.Data;
using CallbackGen.Samples.CustomCallbacks;
using static TorchSharp.torch;

namespace CallbackGen.Samples.Tests;

public sealed partial class CustomCallbacksTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public void The_tour_stops_after_10_steps_prints_the_plan_and_applies_the_users_annealer()
    {
        var output = new StringWriter();

        TourResult result = Tour.Run(output, trainCount: 640, validCount: 128, epochs: 1);

        string text = output.ToString();
        Assert.Equal(10, result.StepsBeforeStop);
        Assert.Contains("stopped after 10 steps", text, StringComparison.Ordinal);
        Assert.Contains(result.Plan, text, StringComparison.Ordinal);

        // Method-level Order -20 puts EpochReport's BeforeFit before TrainEval (-10); its class-level 70 puts AfterEpoch after the Recorder (50).
        string[] plan = result.Plan.Split('\n');
        Assert.Matches(@"^\s+BeforeFit\s+EpochReport\(-20\), TrainEvalCallback\(-10\)", plan.Single(l => l.TrimStart().StartsWith("BeforeFit", StringComparison.Ordinal)));
        Assert.Matches(@"^\s+AfterEpoch\s+.*Recorder\(50\), EpochReport\(70\)$", plan.Single(l => l.TrimStart().StartsWith("AfterEpoch", StringComparison.Ordinal)).TrimEnd());
        Assert.Contains("EpochReport: epoch 0: valid loss", text, StringComparison.Ordinal);

        // WarmupCos(0.01, 0.2, 0.3): starts at 0.01, peaks at 0.2 about 30% in, ends near 0.
        Assert.Equal(0.01, result.Lrs[0], 6);
        int peak = result.Lrs.ToList().IndexOf(result.Lrs.Max());
        Assert.InRange(peak, (int)(0.25 * result.Lrs.Count), (int)(0.35 * result.Lrs.Count));
        Assert.InRange(result.Lrs.Max(), 0.18, 0.2);
        Assert.True(result.Lrs[^1] < 0.01);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void StopAfterIterations_lets_exactly_10_batches_run_and_ends_the_fit_as_a_cancel()
    {
        using var x = randn(320, 4);
        using var y = randint(0, 2, 320, dtype: ScalarType.Int64);
        using var data = DataBunch.FromTensors(x, y, x, y, batchSize: 16);
        using var model = nn.Linear(4, 2);
        var counter = new EventCounter();
        using var learn = new Learner(model, data, Losses.CrossEntropy, cbs: [counter]);

        learn.Fit(3, cbs: [new StopAfterIterations(10)]);

        Assert.Equal(10, counter.Predictions);
        Assert.Equal(10, counter.Steps);
        Assert.Equal(1, counter.CancelledFits);
        Assert.Equal(0, counter.Validations);
    }

    [Fact]
    public void The_generated_WarmupCos_factory_fixes_the_three_leading_parameters()
    {
        Schedule s = TourSchedules.WarmupCos(0.01, 0.2, 0.3);

        Assert.Equal(0.01, s(0), 12);
        Assert.Equal(0.105, s(0.15), 12);
        Assert.Equal(0.2, s(0.3), 12);
        Assert.Equal(0.1, s(0.65), 12);
        Assert.Equal(0, s(1), 12);
    }

    [Transient] // a test probe: counts one run

    private sealed partial class EventCounter : Callback
    {
        public int Predictions { get; private set; }

        public int Steps { get; private set; }

        public int CancelledFits { get; private set; }

        public int Validations { get; private set; }

        [Callback] private void AfterPred() => Predictions++;

        [Callback] private void AfterStep() => Steps++;

        [Callback] private void AfterCancelFit() => CancelledFits++;

        [Callback] private void BeforeValidate() => Validations++;
    }
}
