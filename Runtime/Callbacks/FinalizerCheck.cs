using System.Globalization;
using System.Text;
using CallbackGen.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// A run-time check for code that leaves TorchSharp <see cref="Scalar"/>s (and tensors) to the
/// garbage collector's finalizer during a fit: such a number can be freed by a collection that
/// another thread of the process starts while libtorch still reads it (docs/data.md). Counts them
/// with a <see cref="FinalizerCounter"/> and, once per fit, writes one line through
/// <see cref="Learner.Log"/>: how many per training batch, and in which step of the batch they
/// were made (measured on training batches 2 and 3: batch start, forward, loss, backward, optimiser
/// step, batch end), with what to fix there. Costs a few forced collections per fit.
/// </summary>
/// <example><code>learn.Fit(1, cbs: new[] { new FinalizerCheck() });</code></example>
[Callback(Order = 1000)]
public sealed partial class FinalizerCheck : Callback, IDisposable
{
    private static readonly string[] Steps = ["batch start (loading, BeforeBatch handlers)", "forward (the model, AfterPred handlers)", "loss (the loss function, AfterLoss handlers)", "backward (BeforeBackward/AfterBackward handlers)", "optimiser step (BeforeStep/AfterStep handlers)", "batch end (zero-grad, AfterBatch handlers)"];

    [Transient] private FinalizerCounter? counter;
    [Transient] private long startScalars;
    [Transient] private long startTensors;
    [Transient] private long mark;
    [Transient] private long[] perStep = new long[Steps.Length];

    /// <summary>Scalars left to the finalizer during the last fit.</summary>
    [Transient]
    public long Scalars { get; private set; }

    /// <summary>Tensors left to the finalizer during the last fit.</summary>
    [Transient]
    public long Tensors { get; private set; }

    /// <summary>Training batches of the last fit.</summary>
    [Transient]
    public long TrainingBatches { get; private set; }

    /// <summary>The line written at the end of the last fit.</summary>
    [Transient]
    public string? Report { get; private set; }

    /// <summary>Scalars left to the finalizer per training batch in the last fit.</summary>
    public double ScalarsPerBatch => TrainingBatches == 0 ? 0 : (double)Scalars / TrainingBatches;

    /// <inheritdoc/>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        counter?.Dispose();
        counter = null;
    }

    [Callback]
    private void BeforeFit()
    {
        counter ??= new FinalizerCounter();
        counter.Flush();
        startScalars = counter.Count(typeof(Scalar));
        startTensors = counter.Count(typeof(Tensor));
        TrainingBatches = 0;
        Array.Clear(perStep);
        Report = null;
    }

    [Callback] private void BeforeBatch() => Measure(0);

    [Callback] private void AfterPred() => Measure(1);

    [Callback] private void AfterLoss() => Measure(2);

    [Callback] private void AfterBackward() => Measure(3);

    [Callback] private void AfterStep() => Measure(4);

    [Callback]
    private void AfterBatch()
    {
        if (!Training)
        {
            return;
        }

        Measure(5);
        TrainingBatches++;
        if (TrainingBatches == 1)
        {
            // The measured batches start here: what the first batch made on first use is not counted.
            counter!.Flush();
            mark = counter.Count(typeof(Scalar));
        }
    }

    [Callback]
    private void AfterFit()
    {
        counter!.Flush();
        Scalars = counter.Count(typeof(Scalar)) - startScalars;
        Tensors = counter.Count(typeof(Tensor)) - startTensors;
        Report = Describe();
        Learn.Log(Report);
    }

    // Training batches 2 and 3: what the code since the last mark left to the finalizer.
    private void Measure(int step)
    {
        if (!Training || TrainingBatches is < 1 or > 2)
        {
            return;
        }

        counter!.Flush();
        long now = counter.Count(typeof(Scalar));
        perStep[step] += now - mark;
        mark = now;
    }

    private string Describe()
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"FinalizerCheck: {ScalarsPerBatch:0.##} Scalars per training batch ({Scalars} in {TrainingBatches} batches) and {Tensors} tensors were left to the finalizer");
        if (Scalars == 0 && Tensors == 0)
        {
            return s.Append(": this fit is safe beside other threads.").ToString();
        }

        s.Append("; another thread's garbage collection can free one while libtorch reads it (docs/data.md).");
        string[] where = Steps.Select((name, i) => perStep[i] > 0 ? string.Create(CultureInfo.InvariantCulture, $"{name}: {perStep[i] / 2.0:0.#}") : null).OfType<string>().ToArray();
        if (where.Length > 0)
        {
            s.Append(" Per batch, by step: ").Append(string.Join("; ", where)).Append('.');
        }

        if (perStep[4] > 0 && Opt is TorchSharpOptimizer wrapped)
        {
            s.Append(CultureInfo.InvariantCulture, $" The optimiser is a wrapped TorchSharp {wrapped.Name}: use CallbackGen's own (Optimizer.Sgd/Adam/AdamW/RmsProp).");
        }

        string[] own = Learn.Callbacks.Where(cb => cb.GetType().Assembly != typeof(Callback).Assembly).Select(cb => cb.GetType().Name).Distinct().ToArray();
        if (own.Length > 0)
        {
            s.Append(" Check your callbacks (").Append(string.Join(", ", own)).Append(") and the model's own modules with diagnostic CBG0015: hold each number in a Scalar you dispose, read values with item<T>().");
        }
        else
        {
            s.Append(" Check the model's own modules and loss with diagnostic CBG0015: hold each number in a Scalar you dispose, read values with item<T>().");
        }

        return s.ToString();
    }
}
