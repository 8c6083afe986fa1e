namespace CallbackGen.Benchmarks.Loop;

/// <summary>Every variant the loop benchmark runs, by key.</summary>
internal static class Variants
{
    /// <summary>(a) the hand-written loop: the baseline.</summary>
    public static LoopVariant Raw { get; } = new RawLoop();

    /// <summary>(b) the Learner with what it attaches by itself.</summary>
    public static LearnerVariant Barebones { get; } = new("b", "CallbackGen Learner, barebones", () => Array.Empty<Callback>());

    /// <summary>(c) the Learner with the standard stack.</summary>
    public static LearnerVariant Standard { get; } = new("c", "CallbackGen Learner, standard stack", () => StandardStack.Create(LoopVariant.Lr), withMetrics: true);

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

    /// <summary>Diagnostic: TrainEval and AvgStatsCallback (the loss averaged on the device every batch).</summary>
    public static LearnerVariant WithAvgStats { get; } = new(
        "b0+AvgStats", "b0 plus the learner's AvgStatsCallback only", () => Array.Empty<Callback>(),
        configure: learn => learn.Remove(learn.Get<TerminateOnNaN>()!));

    /// <summary>Diagnostic: TrainEval and TerminateOnNaN (the loss read every training batch).</summary>
    public static LearnerVariant WithTerminateOnNaN { get; } = new(
        "b0+TerminateOnNaN", "b0 plus the learner's TerminateOnNaN only", () => Array.Empty<Callback>(),
        configure: learn => learn.Remove(learn.Get<AvgStatsCallback>()!));

    /// <summary>Prototype, not the product: b with AvgStatsCallback replaced by a one-operation loss average.</summary>
    public static LearnerVariant LeanAverage { get; } = new(
        "b′ (lean average)", "prototype, not the product: b with AvgStatsCallback replaced by a one-operation loss average (bench/Loop/Prototypes)", () => new Callback[] { new LeanLossAverage() },
        configure: learn => learn.Remove(learn.Get<AvgStatsCallback>()!));

    // One callback each on top of b, priced on the fast epoch (the MLP's): Progress (issue 7's < 1% goal) and GradientAccumulation.

    /// <summary>b plus Progress, plain output.</summary>
    public static LearnerVariant ProgressPlain { get; } = new(
        "b+Progress", "b plus Progress with its output redirected (plain: one line per epoch)", () => new Callback[] { new Progress(TextWriter.Null) });

    /// <summary>b plus Progress, live display.</summary>
    public static LearnerVariant ProgressLive { get; } = new(
        "b+Progress(live)", "b plus Progress's live bar and epoch table, rendered to a discarded terminal", () => new Callback[] { new Progress(TextWriter.Null, live: true) });

    /// <summary>b plus gradient accumulation over 2 batches.</summary>
    public static LearnerVariant Accumulation { get; } = new(
        "b+GradAccum(2)", "b plus GradientAccumulation(2): the same forward and backward passes, half the optimiser steps", () => new Callback[] { new GradientAccumulation(2) });

    public static IEnumerable<LoopVariant> All() => new LoopVariant[] { Raw, Barebones, Standard, LoopOnly, WithAvgStats, WithTerminateOnNaN, LeanAverage, ProgressPlain, ProgressLive, Accumulation };
}
