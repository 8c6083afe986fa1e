namespace CallbackGen.Benchmarks.Loop;

/// <summary>Every variant the loop benchmark runs, by key (issue 17's table, plus diagnostics).</summary>
internal static class Variants
{
    private static readonly Metric[] Accuracy = { Metric.Accuracy };

    /// <summary>(a) the hand-written loop with TorchSharp's fused cross_entropy: the baseline.</summary>
    public static LoopVariant Raw { get; } = new RawLoop();

    /// <summary>(a′) the hand-written loop with the learner's default loss, to price the loss alone.</summary>
    public static LoopVariant RawDefaultLoss { get; } = new RawLoop(
        "a+Losses.CrossEntropy", "a with Losses.CrossEntropy (the learner's default loss) instead of calling nn.functional.cross_entropy", Losses.CrossEntropy);

    /// <summary>(b) the Learner with its defaults: what it attaches by itself and the default loss.</summary>
    public static LearnerVariant Defaults { get; } = new("b", "CallbackGen Learner, defaults (Losses.CrossEntropy)", () => Array.Empty<Callback>());

    /// <summary>b plus Recorder.</summary>
    public static LearnerVariant WithRecorder { get; } = new("b+Recorder", "b plus Recorder", () => new Callback[] { new Recorder() });

    /// <summary>b plus a one-cycle learning-rate ParamScheduler.</summary>
    public static LearnerVariant WithScheduler { get; } = new(
        "b+ParamScheduler", "b plus a one-cycle ParamScheduler (learning rate)", () => new Callback[] { new ParamScheduler(Hyper.Lr, Schedules.OneCycleLr(LoopVariant.Lr)) });

    /// <summary>b plus Progress, plain output.</summary>
    public static LearnerVariant ProgressPlain { get; } = new(
        "b+Progress", "b plus Progress with its output redirected (plain: one line per epoch)", () => new Callback[] { new Progress(TextWriter.Null) });

    /// <summary>b plus Progress, live display.</summary>
    public static LearnerVariant ProgressLive { get; } = new(
        "b+Progress(live)", "b plus Progress's live bar and epoch table, rendered to a discarded terminal", () => new Callback[] { new Progress(TextWriter.Null, live: true) });

    /// <summary>b plus the accuracy metric (validation only, the default).</summary>
    public static LearnerVariant WithAccuracy { get; } = new("b+accuracy", "b with metrics: [Metric.Accuracy] (computed on validation only, the default)", () => Array.Empty<Callback>(), Accuracy);

    /// <summary>b plus the accuracy metric on training batches too (the opt-in).</summary>
    public static LearnerVariant WithTrainAccuracy { get; } = new(
        "b+accuracy(train too)", "b with metrics: [Metric.Accuracy] and trainMetrics: true (the opt-in: accuracy on every training batch as well)", () => Array.Empty<Callback>(), Accuracy, trainMetrics: true);

    /// <summary>(c) the usual stack: accuracy, Recorder, one-cycle ParamScheduler, Progress.</summary>
    public static LearnerVariant Standard { get; } = new("c", "CallbackGen Learner, the usual stack", () => StandardStack.Create(LoopVariant.Lr), StandardStack.Metrics);

    /// <summary>b with the lesson's from-scratch cross-entropy, to show what the default loss saves.</summary>
    public static LearnerVariant ScratchLoss { get; } = new(
        "b+Losses.Scratch.CrossEntropy", "b with the lesson's from-scratch loss (Losses.Scratch.CrossEntropy: LogSumExp, log-softmax, gather), the samples' loss before this change",
        () => Array.Empty<Callback>(), loss: Losses.Scratch.CrossEntropy);

    /// <summary>Diagnostic: only TrainEval, to split b's cost into the loop's own and its default callbacks'.</summary>
    public static LearnerVariant LoopOnly { get; } = new(
        "b0",
        "b with its default AvgStatsCallback and TerminateOnNaN removed (TrainEval only): the loop's own cost",
        () => Array.Empty<Callback>(),
        configure: learn =>
        {
            learn.Remove(learn.Get<AvgStatsCallback>()!);
            learn.Remove(learn.Get<TerminateOnNaN>()!);
        });

    /// <summary>b plus gradient accumulation over 2 batches.</summary>
    public static LearnerVariant Accumulation { get; } = new(
        "b+GradAccum(2)", "b plus GradientAccumulation(2): the same forward and backward passes, half the optimiser steps", () => new Callback[] { new GradientAccumulation(2) });

    public static IEnumerable<LoopVariant> All() => new LoopVariant[]
    {
        Raw, RawDefaultLoss, Defaults, WithRecorder, WithScheduler, ProgressPlain, ProgressLive, WithAccuracy, WithTrainAccuracy, Standard, ScratchLoss, LoopOnly, Accumulation,
    };
}
