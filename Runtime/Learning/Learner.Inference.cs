using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

public sealed partial class Learner
{
    /// <summary>
    /// Runs the validation phase alone on <paramref name="dl"/> (default: the validation loader) and
    /// returns its averages, also published as <see cref="ValidStats"/>. No weight changes: no
    /// gradients, no optimiser.
    /// </summary>
    /// <param name="dl">The batches to evaluate; null for <see cref="DataBunch.Valid"/>.</param>
    /// <returns>The batch-size-weighted mean loss and metrics.</returns>
    /// <remarks>
    /// Only the validation phase's events fire (<c>BeforeValidate</c>, the batch events up to
    /// <c>AfterLoss</c>, <c>AfterBatch</c>, <c>AfterValidate</c>, and their cancel events) — not
    /// <c>BeforeFit</c>/<c>BeforeEpoch</c>, so epoch-level loggers write nothing. Handlers of those
    /// events must therefore not rely on state made in <c>BeforeFit</c>. The model's train/eval mode
    /// and <see cref="Training"/> are restored afterwards; every callback's <see cref="Callback.Teardown"/>
    /// runs at the end, as after a fit.
    /// </remarks>
    /// <exception cref="InvalidOperationException">A fit or validation is already running on this learner.</exception>
    public PhaseStats Validate(DataLoader? dl = null)
    {
        ValidStats = null;
        RunPhase(RunKind.Validate, Phase.Validate, dl ?? Data.Valid);
        return ValidStats ?? throw new InvalidOperationException(
            "The validation produced no statistics: no batch reached AfterLoss (the loader is empty, or a callback cancelled the validation before its first batch), " +
            $"or the {nameof(AvgStatsCallback)} that every learner starts with has been removed.");
    }

    /// <summary>
    /// Runs one phase alone, as a run of its own kind, through the same lifecycle as a fit
    /// (callbacks filtered by <see cref="Callback.RunsIn"/>, teardown on every exit, per-run callbacks
    /// detached afterwards). Only the validation phase can run alone: eval mode, no gradients, the
    /// batch events up to <c>AfterLoss</c> and <c>AfterBatch</c>. The model's mode and
    /// <see cref="Training"/> are restored afterwards; in a <see cref="RunKind.Predict"/> run the
    /// loss function is not called (<see cref="Loss"/> stays null, <c>AfterLoss</c> does not fire: a batch
    /// ends after <c>AfterPred</c>) and the learner's statistics and
    /// counters are put back as they were.
    /// </summary>
    /// <param name="kind">The run's kind (<see cref="RunKind.Validate"/> or <see cref="RunKind.Predict"/>).</param>
    /// <param name="phase">The phase; only <see cref="Phase.Validate"/>.</param>
    /// <param name="dl">The batches.</param>
    /// <param name="cbs">Callbacks attached for this run only (e.g. one that collects <see cref="Pred"/> in <c>AfterPred</c>).</param>
    internal void RunPhase(RunKind kind, Phase phase, DataLoader dl, IEnumerable<Callback>? cbs = null)
    {
        ArgumentNullException.ThrowIfNull(dl);
        if (phase != Phase.Validate)
        {
            throw new ArgumentOutOfRangeException(nameof(phase), phase, "Only the validation phase runs alone.");
        }

        BeginRun(kind.ToString(), kind);
        bool modelWasTraining = Model.training;
        bool wasTraining = Training;
        LoopState? before = kind == RunKind.Predict ? LoopState.Of(this) : null;
        List<Callback> added = new();
        Exception? error = null;
        try
        {
            AttachForRun(cbs, added);
            Dl = dl;
            using (no_grad())
            {
                RunOutermost(Phase.Validate, allBatches);
            }
        }
        catch (Exception ex)
        {
            error = ex;
            throw;
        }
        finally
        {
            Model.train(modelWasTraining);
            Training = wasTraining;
            before?.Restore(this);
            EndRun(error, added);
        }
    }
}
