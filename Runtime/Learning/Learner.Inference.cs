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
        BeginRun(nameof(Validate));
        bool modelWasTraining = Model.training;
        bool wasTraining = Training;
        Exception? error = null;
        try
        {
            Dl = dl ?? Data.Valid;
            ValidStats = null;
            using (no_grad())
            {
                RunOutermost(Phase.Validate, allBatches);
            }

            return ValidStats ?? throw new InvalidOperationException(
                "The validation produced no statistics: no batch reached AfterLoss (the loader is empty, or a callback cancelled the validation before its first batch), " +
                $"or the {nameof(AvgStatsCallback)} that every learner starts with has been removed.");
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
            EndRun(error, new List<Callback>());
        }
    }

    /// <summary>
    /// The model's output for one batch of inputs, in eval mode and without gradients; the model's
    /// mode is restored afterwards. No callback runs.
    /// </summary>
    /// <param name="x">Inputs, shape [batch, …], on any device (moved to <see cref="Device"/>).</param>
    /// <returns>The predictions, on <see cref="Device"/>, owned by the caller (created in the caller's dispose scope, if any).</returns>
    /// <remarks>
    /// Callbacks do not run, so input transforms that a callback applies in <c>BeforeBatch</c>
    /// (normalisation on the device, reshaping) must be applied to <paramref name="x"/> first.
    /// </remarks>
    public Tensor Predict(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(disposed, this);
        bool modelWasTraining = Model.training;
        try
        {
            Model.eval();
            using var noGrad = no_grad();
            using DisposeScope scope = NewDisposeScope();
            return Model.forward(ToDevice(x)).MoveToOuterDisposeScope();
        }
        finally
        {
            Model.train(modelWasTraining);
        }
    }

    /// <summary>
    /// The model's outputs for every batch of <paramref name="dl"/>, concatenated in the loader's
    /// order (use an unshuffled loader to line them up with its samples), in eval mode and without
    /// gradients; the model's mode is restored afterwards. No callback runs (see <see cref="Predict(Tensor)"/>).
    /// </summary>
    /// <param name="dl">The batches; their targets are ignored.</param>
    /// <returns>
    /// The predictions, gathered on the CPU so that a large set does not hold device memory, owned
    /// by the caller.
    /// </returns>
    public Tensor Predict(DataLoader dl)
    {
        ArgumentNullException.ThrowIfNull(dl);
        ObjectDisposedException.ThrowIf(disposed, this);
        bool modelWasTraining = Model.training;
        var outputs = new List<Tensor>(dl.Count);
        try
        {
            Model.eval();
            using var noGrad = no_grad();
            using IEnumerator<Batch> batches = dl.GetEnumerator();
            while (true)
            {
                using DisposeScope scope = NewDisposeScope();
                if (!batches.MoveNext())
                {
                    break;
                }

                outputs.Add(Model.forward(ToDevice(batches.Current.X)).cpu().DetachFromDisposeScope());
            }

            if (outputs.Count == 0)
            {
                throw new ArgumentException("The loader has no batches to predict on.", nameof(dl));
            }

            return cat(outputs, 0);
        }
        finally
        {
            foreach (Tensor t in outputs)
            {
                t.Dispose();
            }

            Model.train(modelWasTraining);
        }
    }
}
