using System.Globalization;
using System.Text;
using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// fastai's <c>ClassificationInterpretation</c>: what a classifier gets wrong, from its predictions,
/// targets and per-sample losses — the confusion matrix (as text and as a PNG), the most confused
/// pairs of classes, the largest losses and, for images, a PNG grid of them.
/// </summary>
/// <example>
/// <code>
/// var interp = CallbackGen.Inference.ClassificationInterpretation.FromLearner(learn, classNames: new[] { "no", "yes" });
/// Console.WriteLine(interp.ConfusionMatrixText());
/// foreach (var pair in interp.MostConfused().Take(3)) Console.WriteLine(pair);
/// interp.PlotConfusionMatrix("confusion.png");
/// </code>
/// </example>
public sealed partial class ClassificationInterpretation
{
    private readonly long[,] confusion;

    /// <summary>Builds the interpretation from one prediction per sample.</summary>
    /// <param name="predictions">Class scores [N, classes] (logits or probabilities: the arg-max decides, the softmax gives probabilities).</param>
    /// <param name="targets">Target classes [N] (integers).</param>
    /// <param name="losses">Each sample's loss [N].</param>
    /// <param name="classNames">One name per class; null names them by number.</param>
    /// <param name="inputs">The samples' inputs [N, …] as stored (for <see cref="PlotTopLosses"/>); null when not at hand.</param>
    public ClassificationInterpretation(Tensor predictions, Tensor targets, Tensor losses, IReadOnlyList<string>? classNames = null, Tensor? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(losses);
        if (predictions.dim() != 2)
        {
            throw new ArgumentException($"Predictions must be class scores [N, classes]; got shape [{string.Join(", ", predictions.shape)}].", nameof(predictions));
        }

        long n = predictions.shape[0];
        int classes = (int)predictions.shape[1];
        if (targets.numel() != n || losses.numel() != n)
        {
            throw new ArgumentException($"Predictions, targets and losses must have one entry per sample: {n}, {targets.numel()} and {losses.numel()} given.");
        }

        if (classNames is not null && classNames.Count != classes)
        {
            throw new ArgumentException($"{classNames.Count} class names given for {classes} classes.", nameof(classNames));
        }

        if (inputs is not null && inputs.shape[0] != n)
        {
            throw new ArgumentException($"The inputs hold {inputs.shape[0]} samples but there are {n} predictions.", nameof(inputs));
        }

        ClassNames = classNames?.ToArray() ?? Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        using (NewDisposeScope())
        {
            Tensor probs = predictions.detach().cpu().to_type(ScalarType.Float32).softmax(-1);
            Tensor decoded = probs.argmax(-1);
            Actual = targets.detach().cpu().reshape(-1).to_type(ScalarType.Int64).data<long>().ToArray();
            Predicted = decoded.data<long>().ToArray();
            Probability = probs.gather(1, decoded.unsqueeze(1)).reshape(-1).to_type(ScalarType.Float64).data<double>().ToArray();
            Losses = losses.detach().cpu().reshape(-1).to_type(ScalarType.Float64).data<double>().ToArray();
        }

        confusion = new long[classes, classes];
        for (int i = 0; i < n; i++)
        {
            long a = Actual[i];
            if (a < 0 || a >= classes)
            {
                throw new ArgumentException($"Target {a} of sample {i} is not a class index in [0, {classes}).", nameof(targets));
            }

            confusion[a, Predicted[i]]++;
        }

        Inputs = inputs;
    }

    /// <summary>The class names, by class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Each sample's target class.</summary>
    public IReadOnlyList<long> Actual { get; }

    /// <summary>Each sample's predicted class (the arg-max).</summary>
    public IReadOnlyList<long> Predicted { get; }

    /// <summary>The probability each sample's predicted class got.</summary>
    public IReadOnlyList<double> Probability { get; }

    /// <summary>Each sample's loss.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>The samples' inputs as given (not owned), or null.</summary>
    public Tensor? Inputs { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Actual.Count;

    /// <summary>The fraction of samples predicted right.</summary>
    public double Accuracy => Count == 0 ? double.NaN : (double)Enumerable.Range(0, Count).Count(i => Actual[i] == Predicted[i]) / Count;

    /// <summary>
    /// Runs <see cref="Learner.GetPreds"/> with per-sample losses on <paramref name="dl"/> (default: the
    /// validation loader) and interprets the result; an in-memory loader's inputs are kept for
    /// <see cref="PlotTopLosses"/>.
    /// </summary>
    /// <param name="learn">A trained classifier.</param>
    /// <param name="dl">The samples; null for the validation loader.</param>
    /// <param name="classNames">One name per class; null names them by number.</param>
    public static ClassificationInterpretation FromLearner(Learner learn, DataLoader? dl = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(learn);
        DataLoader loader = dl ?? learn.Data.Valid;
        using Predictions p = learn.GetPreds(loader, withLoss: true);
        Tensor? inputs = loader.IsInMemory && !loader.Shuffle ? loader.Inputs : null;
        return new ClassificationInterpretation(p.Preds, p.Targets, p.Losses!, classNames, inputs);
    }

    /// <summary>The confusion matrix: <c>[actual, predicted]</c> counts (a copy).</summary>
    public long[,] ConfusionMatrix() => (long[,])confusion.Clone();

    /// <summary>The confusion matrix as a text table: a row per actual class, a column per predicted class.</summary>
    public string ConfusionMatrixText()
    {
        int k = ClassNames.Count;
        int nameWidth = Math.Max("actual \\ predicted".Length, ClassNames.Max(c => c.Length));
        // Whole class names as column headers, each column as wide as its own header or count (cut to a
        // common width they read "T-shirt/to"; issue 29).
        int[] cell = Enumerable.Range(0, k).Select(j => Math.Max(ClassNames[j].Length,
            Enumerable.Range(0, k).Max(i => confusion[i, j].ToString(CultureInfo.InvariantCulture).Length))).ToArray();
        var sb = new StringBuilder();
        sb.Append("actual \\ predicted".PadRight(nameWidth));
        for (int j = 0; j < k; j++)
        {
            sb.Append("  ").Append(ClassNames[j].PadLeft(cell[j]));
        }

        sb.AppendLine();
        for (int i = 0; i < k; i++)
        {
            sb.Append(ClassNames[i].PadRight(nameWidth));
            for (int j = 0; j < k; j++)
            {
                sb.Append("  ").Append(confusion[i, j].ToString(CultureInfo.InvariantCulture).PadLeft(cell[j]));
            }

            sb.AppendLine();
        }

        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// The off-diagonal cells of the confusion matrix with at least <paramref name="minCount"/>
    /// samples, most frequent first (ties by actual then predicted class index).
    /// </summary>
    /// <param name="minCount">The smallest count to list.</param>
    public IReadOnlyList<ConfusedPair> MostConfused(long minCount = 1)
    {
        int k = ClassNames.Count;
        var pairs = new List<(int A, int P, long N)>();
        for (int a = 0; a < k; a++)
        {
            for (int p = 0; p < k; p++)
            {
                if (a != p && confusion[a, p] >= minCount && confusion[a, p] > 0)
                {
                    pairs.Add((a, p, confusion[a, p]));
                }
            }
        }

        return pairs.OrderByDescending(t => t.N).ThenBy(t => t.A).ThenBy(t => t.P)
            .Select(t => new ConfusedPair(ClassNames[t.A], ClassNames[t.P], t.N)).ToArray();
    }

    /// <summary>The <paramref name="k"/> samples with the largest losses, largest first (ties by index).</summary>
    /// <param name="k">How many; fewer when there are fewer samples.</param>
    public IReadOnlyList<TopLoss> TopLosses(int k = 9)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        return Enumerable.Range(0, Count)
            .OrderByDescending(i => Losses[i]).ThenBy(i => i)
            .Take(k)
            .Select(i => new TopLoss(i, ClassNames[(int)Actual[i]], ClassNames[(int)Predicted[i]], Losses[i], Probability[i]))
            .ToArray();
    }

}
