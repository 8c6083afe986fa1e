using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <content>Freezing parameter groups and fine-tuning (fastai's <c>freeze</c>, <c>unfreeze</c>, <c>fine_tune</c>).</content>
public sealed partial class Learner
{
    /// <summary>
    /// The number of leading parameter groups that are frozen now (0 when nothing is frozen).
    /// </summary>
    public int FrozenGroups { get; private set; }

    /// <summary>
    /// Freezes every parameter group but the last (fastai's <c>freeze</c>): their parameters stop
    /// requiring gradients, so the optimiser leaves them bit-identical, and only the last group (the
    /// head) trains. With one parameter group nothing is frozen. Creates the optimiser first when
    /// there is none yet, since the groups are the optimiser's (see <see cref="ParameterSplitter"/>).
    /// </summary>
    /// <param name="trainBatchNorm">
    /// Keep batch-norm layers' weights and biases trainable inside frozen groups (fastai's default:
    /// their statistics must follow the new data).
    /// </param>
    /// <example>
    /// <code>
    /// learn.Freeze();
    /// learn.FitOneCycle(1, 1e-3);
    /// learn.Unfreeze();
    /// </code>
    /// </example>
    public void Freeze(bool trainBatchNorm = true) => FreezeTo(-1, trainBatchNorm);

    /// <summary>Makes every parameter group trainable again (fastai's <c>unfreeze</c>).</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>
    /// Freezes the parameter groups before group <paramref name="n"/> and unfreezes the others
    /// (fastai's <c>freeze_to</c>); a negative <paramref name="n"/> counts from the end, so −1 leaves
    /// only the last group trainable. Gradients already held by newly frozen parameters are dropped,
    /// so no stale gradient, momentum or weight decay moves them.
    /// </summary>
    /// <param name="n">The first trainable group; negative counts from the end.</param>
    /// <param name="trainBatchNorm">Keep batch-norm parameters trainable in frozen groups.</param>
    /// <exception cref="InvalidOperationException">Called during a run.</exception>
    public void FreezeTo(int n, bool trainBatchNorm = true)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (running)
        {
            throw new InvalidOperationException("Freeze/Unfreeze cannot be called while the learner is running (from a callback handler): the optimiser's groups are in use.");
        }

        Optimizer o = opt ?? CreateOptimizer();
        List<Parameter[]> groups = ParameterGroups(o);
        int frozen = Math.Clamp(n >= 0 ? n : groups.Count + n, 0, groups.Count);
        HashSet<Parameter> batchNorm = trainBatchNorm ? BatchNormParameters(Model) : new(ReferenceEqualityComparer.Instance);
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (Parameter p in groups[g])
            {
                bool trainable = g >= frozen || batchNorm.Contains(p);
                p.requires_grad = trainable;
                if (!trainable && p.grad is not null)
                {
                    // A zero gradient is not "no gradient": Adam's moments and weight decay would still move the weight.
                    p.grad = null;
                }
            }
        }

        FrozenGroups = frozen;
    }

    /// <summary>
    /// Fine-tunes a pretrained model with fastai's recipe: freeze all but the last parameter group and
    /// train one cycle of <paramref name="freezeEpochs"/> epochs (peak <paramref name="baseLr"/> for the
    /// head, warm-up over 99% of it); then unfreeze, halve the rate and train one cycle of
    /// <paramref name="epochs"/> epochs with discriminative rates spread geometrically from
    /// <c>baseLr/2/lrMult</c> (first group) to <c>baseLr/2</c> (last group).
    /// </summary>
    /// <param name="epochs">Epochs of the unfrozen cycle.</param>
    /// <param name="baseLr">The head's peak learning rate in the frozen cycle.</param>
    /// <param name="freezeEpochs">Epochs of the frozen cycle; 0 skips it.</param>
    /// <param name="lrMult">The ratio of the last group's rate to the first group's in the unfrozen cycle.</param>
    /// <param name="pctStart">The warm-up fraction of the unfrozen cycle.</param>
    /// <param name="div">The unfrozen cycle starts at its peak rates divided by this.</param>
    /// <param name="cbs">Callbacks for both fits only.</param>
    /// <example>
    /// <code>
    /// learn.FineTune(3, baseLr: 2e-3);
    /// </code>
    /// </example>
    public void FineTune(int epochs, double baseLr = 2e-3, int freezeEpochs = 1, double lrMult = 100, double pctStart = 0.3, double div = 5.0,
        IEnumerable<Callback>? cbs = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(freezeEpochs);
        CheckLr(baseLr, nameof(baseLr));
        if (!(lrMult >= 1) || !double.IsFinite(lrMult))
        {
            throw new ArgumentOutOfRangeException(nameof(lrMult), lrMult, "lrMult must be a finite number ≥ 1.");
        }

        Callback[]? perFit = cbs?.ToArray();
        Optimizer o = opt ?? CreateOptimizer();
        int groups = o.GroupCount;
        if (freezeEpochs > 0)
        {
            Freeze();

            // fastai's slice(baseLr): every group but the last at a tenth (frozen groups do not move anyway).
            double[] frozenLrs = Enumerable.Range(0, groups).Select(i => i == groups - 1 ? baseLr : baseLr / 10).ToArray();
            FitOneCycle(freezeEpochs, frozenLrs, pctStart: 0.99, cbs: perFit);
        }

        double lr = baseLr / 2;
        Unfreeze();
        FitOneCycle(epochs, EvenMultiples(lr / lrMult, lr, groups), div: div, pctStart: pctStart, cbs: perFit);
    }

    /// <summary>fastai's <c>even_mults</c>: <paramref name="count"/> rates from start to stop, evenly spaced on a log scale.</summary>
    internal static double[] EvenMultiples(double start, double stop, int count)
    {
        if (count == 1)
        {
            return [stop];
        }

        double step = Math.Pow(stop / start, 1.0 / (count - 1));
        return Enumerable.Range(0, count).Select(i => start * Math.Pow(step, i)).ToArray();
    }

    private static List<Parameter[]> ParameterGroups(Optimizer o) =>
        Enumerable.Range(0, o.GroupCount).Select(g => o.ParametersOf(g).ToArray()).ToList();

    private static HashSet<Parameter> BatchNormParameters(nn.Module model)
    {
        var set = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in model.named_modules())
        {
            if (module is BatchNorm1d or BatchNorm2d or BatchNorm3d)
            {
                foreach (Parameter p in module.parameters())
                {
                    set.Add(p);
                }
            }
        }

        return set;
    }
}
