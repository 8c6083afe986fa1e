using CallbackGen.Data;
using CallbackGen.Inference;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace CallbackGen;

/// <content>Predictions through the callbacks: <c>GetPreds</c>, <c>Predict</c>, <c>Summary</c>.</content>
public sealed partial class Learner
{
    /// <summary>
    /// The model's outputs for every sample of <paramref name="dl"/> with their targets and, when
    /// <paramref name="withLoss"/> is true, each sample's loss — fastai's <c>get_preds</c>. The batches go
    /// through a run of kind <see cref="RunKind.Predict"/>: the validation phase's events up to
    /// <c>AfterPred</c> fire for the callbacks that take part in predictions (batch transforms such as
    /// <see cref="BatchTransform"/> apply, as in training; loggers, checkpoints and trackers, which run in
    /// fits only, do not), in eval mode and without gradients. A prediction changes nothing: the
    /// learner's statistics and counters, the model's mode and a shuffled loader's generator are as
    /// they were afterwards.
    /// </summary>
    /// <param name="dl">The batches; null for <see cref="DataBunch.Valid"/>. A shuffled loader gives its shuffled order.</param>
    /// <param name="withLoss">Also compute each sample's loss with <see cref="LossFunc"/> (one call per sample).</param>
    /// <returns>Predictions, targets and losses on the CPU, in the loader's order; the caller disposes them.</returns>
    /// <exception cref="InvalidOperationException">The learner is already running, or no batch reached the model.</exception>
    /// <example>
    /// <code>
    /// using Predictions p = learn.GetPreds(withLoss: true);
    /// using Tensor classes = p.Decoded();
    /// </code>
    /// </example>
    public Predictions GetPreds(DataLoader? dl = null, bool withLoss = false)
    {
        DataLoader loader = dl ?? Data.Valid;
        var preds = new List<Tensor>(loader.Count);
        var targets = new List<Tensor>(loader.Count);
        var losses = new List<Tensor>(withLoss ? loader.Count : 0);
        try
        {
            RunPrediction(loader, (_, pred, y) =>
            {
                preds.Add(pred.detach().cpu().DetachFromDisposeScope());
                targets.Add(y.detach().cpu().DetachFromDisposeScope());
                if (withLoss)
                {
                    losses.Add(PerSampleLoss(pred, y).cpu().DetachFromDisposeScope());
                }
            });

            if (preds.Count == 0)
            {
                throw new InvalidOperationException("GetPreds: no batch reached the model (the loader is empty, or a callback cancelled every batch).");
            }

            return new Predictions(cat(preds, 0), cat(targets, 0), withLoss ? cat(losses, 0) : null);
        }
        finally
        {
            preds.Concat(targets).Concat(losses).ToList().ForEach(t => t.Dispose());
        }
    }

    /// <summary>
    /// The model's output for one batch of raw inputs, through the same prediction run as
    /// <see cref="GetPreds"/>: the callbacks' <c>BeforeBatch</c> transforms apply (normalisation,
    /// reshaping), in eval mode and without gradients; the model's mode is restored afterwards.
    /// There are no targets: <c>Yb</c> holds zeros of shape [batch] while it runs, and no loss is computed.
    /// </summary>
    /// <param name="x">Inputs, shape [batch, …], on any device (moved to <see cref="Device"/>).</param>
    /// <returns>The predictions, on <see cref="Device"/>, owned by the caller (created in the caller's dispose scope, if any).</returns>
    /// <exception cref="InvalidOperationException">The learner is already running.</exception>
    public Tensor Predict(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (x.dim() == 0)
        {
            throw new ArgumentException("Predict expects a batch [batch, …]; use PredictOne for a single sample.", nameof(x));
        }

        using DisposeScope scope = NewDisposeScope();
        Tensor placeholders = zeros(x.shape[0], ScalarType.Int64);
        using var dl = new DataLoader(x, placeholders, (int)Math.Max(1, x.shape[0]));
        Tensor? result = null;

        // The batch's scope is inside this one: the output moves out of it here, then to the caller's.
        RunPrediction(dl, (_, pred, _) => result = pred.detach().MoveToOuterDisposeScope());
        return (result ?? throw new InvalidOperationException("Predict: a callback cancelled the batch, so the model produced no output.")).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The model's output for one sample (no batch dimension): <see cref="Predict(Tensor)"/> on a batch of one.
    /// </summary>
    /// <param name="sample">One input, shape as a batch's element.</param>
    /// <returns>The output for the sample (no batch dimension), owned by the caller.</returns>
    public Tensor PredictOne(Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        using DisposeScope scope = NewDisposeScope();
        return Predict(sample.unsqueeze(0)).squeeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The model's outputs for every batch of <paramref name="dl"/>, concatenated in the loader's
    /// order, on the CPU: <see cref="GetPreds"/> without the targets.
    /// </summary>
    /// <param name="dl">The batches.</param>
    /// <returns>The predictions, owned by the caller.</returns>
    public Tensor Predict(DataLoader dl)
    {
        ArgumentNullException.ThrowIfNull(dl);
        if (dl.Length == 0)
        {
            throw new ArgumentException("The loader has no batches to predict on.", nameof(dl));
        }

        using Predictions p = GetPreds(dl);
        return p.Preds.clone();
    }

    /// <summary>
    /// Keras' <c>model.summary()</c> / fastai's <c>learn.summary()</c>: runs one batch through a
    /// prediction run with forward hooks on every leaf layer and reports each layer's output shape
    /// (in the order the layers ran), its parameter count and whether it trains, the totals
    /// (trainable and frozen) and the input shape the model received after the batch transforms.
    /// </summary>
    /// <param name="x">The batch of raw inputs to run; null takes the first batch of <see cref="DataBunch.Valid"/>.</param>
    /// <returns>The summary; its <c>ToString()</c> is a table.</returns>
    /// <example>
    /// <code>
    /// Console.WriteLine(learn.Summary());
    /// </code>
    /// </example>
    public ModelSummary Summary(Tensor? x = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var layers = new List<LayerSummary>();
        long[]? inputShape = null, outputShape = null;
        var removers = new List<Action>();
        try
        {
            foreach (var (name, module) in Model.named_modules())
            {
                if (module is not nn.Module<Tensor, Tensor> layer || module.named_children().Any())
                {
                    continue;
                }

                Parameter[] ps = module.parameters().ToArray();
                long count = ps.Sum(p => p.numel());
                long trainable = ps.Where(p => p.requires_grad).Sum(p => p.numel());
                string typeName = module.GetType().Name;
                var handle = layer.register_forward_hook((_, _, output) =>
                {
                    layers.Add(new LayerSummary(string.IsNullOrEmpty(name) ? typeName : name, typeName, output.shape, count, trainable));
                    return output;
                });
                removers.Add(handle.remove);
            }

            using DisposeScope scope = NewDisposeScope();
            Tensor batch = x ?? Data.Valid.FirstOrDefault().X
                ?? throw new InvalidOperationException("Summary: the validation loader has no batch; pass a batch.");
            Tensor placeholders = zeros(batch.shape[0], ScalarType.Int64);
            using var dl = new DataLoader(batch, placeholders, (int)Math.Max(1, batch.shape[0]));

            // The model's own forward bypasses its hooks (only children are called through them): read its input here.
            RunPrediction(dl, (input, pred, _) =>
            {
                inputShape ??= input.shape;
                outputShape ??= pred.shape;
            });
        }
        finally
        {
            removers.ForEach(remove => remove());
        }

        Parameter[] all = Model.parameters().ToArray();
        long total = all.Sum(p => p.numel()), trainableTotal = all.Where(p => p.requires_grad).Sum(p => p.numel());
        if (layers.Count == 0 && outputShape is not null)
        {
            // The model is a single layer: its own hook does not fire (see above).
            string typeName = Model.GetType().Name;
            layers.Add(new LayerSummary(typeName, typeName, outputShape, total, trainableTotal));
        }

        return new ModelSummary(Model.GetType().Name, inputShape ?? Array.Empty<long>(), layers, total, trainableTotal);
    }

    /// <summary>
    /// The prediction run shared by <see cref="GetPreds"/>, <see cref="Predict(Tensor)"/> and
    /// <see cref="Summary"/>: a run of kind <see cref="RunKind.Predict"/> over <paramref name="dl"/> (the
    /// validation phase alone: <c>BeforeBatch</c>, the model, <c>AfterPred</c>; no loss; callbacks that
    /// run in fits only stay out), handing each batch to <paramref name="gather"/> after every other
    /// <c>AfterPred</c> handler. A shuffled loader's generator is put back as it was.
    /// </summary>
    private void RunPrediction(DataLoader dl, Action<Tensor, Tensor, Tensor> gather)
    {
        byte[]? shuffle = dl.GetShuffleState();
        try
        {
            RunPhase(RunKind.Predict, Phase.Validate, dl, new Callback[] { new GatherPreds(gather) });
        }
        finally
        {
            if (shuffle is not null)
            {
                dl.SetShuffleState(shuffle);
            }
        }
    }

    /// <summary>Each sample's loss: the loss function on each sample alone (the loss functions here reduce a batch to its mean).</summary>
    private Tensor PerSampleLoss(Tensor pred, Tensor y)
    {
        long n = pred.shape[0];
        var each = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            each[i] = LossFunc(pred.narrow(0, i, 1), y.narrow(0, i, 1)).reshape(1).to_type(ScalarType.Float32);
        }

        return cat(each, 0);
    }
}
