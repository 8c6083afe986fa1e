using CallbackGen.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Tabular;

/// <summary>
/// fastai's <c>TabularModel</c>: an embedding per categorical column (of <see cref="EmbeddingSize"/>
/// dimensions by fastai's rule), their outputs concatenated and passed through dropout; the continuous
/// columns through a BatchNorm; both concatenated and passed through blocks of
/// <c>Linear, ReLU, BatchNorm1d, Dropout</c> (fastai's <c>LinBnDrop</c>, linear first), then a final
/// linear layer to the outputs.
/// </summary>
/// <remarks>
/// The input is what <see cref="TabularData"/> encodes: float32 [N, categorical codes…, numbers…], the
/// categorical codes first (0 = missing or unseen, see <see cref="CategoricalEncoding"/>), so
/// <see cref="FromData"/> builds the model from the table's encodings.
/// </remarks>
/// <example>
/// <code>
/// using var table = TabularData.FromCsv("adult.csv", target: "salary");
/// using var model = TabularModel.FromData(table, layers: [200, 100]);
/// </code>
/// </example>
public sealed class TabularModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Embedding> embeds;
    private readonly Dropout emb_drop;
    private readonly BatchNorm1d? bn_cont;
    private readonly Sequential layers;

    /// <summary>Creates the model.</summary>
    /// <param name="embeddingSizes">Per categorical column, in input order: its cardinality and its embedding's size.</param>
    /// <param name="continuous">The number of continuous columns (after the categorical ones).</param>
    /// <param name="outputs">The number of outputs (classes, or 1 for a regression).</param>
    /// <param name="layers">The hidden layers' sizes (fastai's default [200, 100]).</param>
    /// <param name="dropouts">Each hidden block's dropout; null for none (fastai's default).</param>
    /// <param name="embeddingDropout">The dropout after the embeddings.</param>
    /// <param name="batchNormContinuous">Put the continuous columns through a BatchNorm.</param>
    public TabularModel(IReadOnlyList<(int Cardinality, int Size)> embeddingSizes, int continuous, int outputs, IReadOnlyList<int>? layers = null,
        IReadOnlyList<double>? dropouts = null, double embeddingDropout = 0, bool batchNormContinuous = true) : base(nameof(TabularModel))
    {
        ArgumentNullException.ThrowIfNull(embeddingSizes);
        ArgumentOutOfRangeException.ThrowIfNegative(continuous);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        int[] hidden = layers?.ToArray() ?? [200, 100];
        double[] ps = dropouts?.ToArray() ?? new double[hidden.Length];
        if (ps.Length != hidden.Length)
        {
            throw new ArgumentException($"Give one dropout per hidden layer ({hidden.Length} layers, {ps.Length} dropouts).", nameof(dropouts));
        }

        if (embeddingSizes.Count + continuous == 0)
        {
            throw new ArgumentException("A tabular model needs at least one column.", nameof(continuous));
        }

        EmbeddingSizes = embeddingSizes.ToArray();
        Continuous = continuous;
        embeds = new ModuleList<Embedding>(EmbeddingSizes.Select(e => Embedding(e.Cardinality, e.Size)).ToArray());
        emb_drop = nn.Dropout(embeddingDropout);
        bn_cont = batchNormContinuous && continuous > 0 ? nn.BatchNorm1d(continuous) : null;

        var blocks = new List<nn.Module<Tensor, Tensor>>();
        int width = EmbeddingSizes.Sum(e => e.Size) + continuous;
        for (int i = 0; i < hidden.Length; i++)
        {
            // fastai's LinBnDrop with lin_first: the BatchNorm follows, so the linear layer has no bias.
            blocks.Add(nn.Linear(width, hidden[i], hasBias: false));
            blocks.Add(nn.ReLU());
            blocks.Add(nn.BatchNorm1d(hidden[i]));
            if (ps[i] > 0)
            {
                blocks.Add(nn.Dropout(ps[i]));
            }

            width = hidden[i];
        }

        blocks.Add(nn.Linear(width, outputs));
        this.layers = nn.Sequential(blocks);
        RegisterComponents();
    }

    /// <summary>Per categorical column: its cardinality and its embedding's size.</summary>
    public IReadOnlyList<(int Cardinality, int Size)> EmbeddingSizes { get; }

    /// <summary>The number of continuous columns.</summary>
    public int Continuous { get; }

    /// <summary>
    /// fastai's embedding size rule, <c>min(600, round(1.6 · cardinality^0.56))</c>.
    /// </summary>
    /// <param name="cardinality">The number of codes of the column (including code 0, missing or unseen).</param>
    public static int EmbeddingSize(int cardinality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cardinality, 1);
        return (int)Math.Min(600, Math.Round(1.6 * Math.Pow(cardinality, 0.56), MidpointRounding.ToEven));
    }

    /// <summary>The model for a table's encodings: an embedding per categorical column by <see cref="EmbeddingSize"/>, one output per class (or one for a regression).</summary>
    /// <param name="data">The encoded table.</param>
    /// <param name="layers">The hidden layers' sizes (fastai's default [200, 100]).</param>
    /// <param name="dropouts">Each hidden block's dropout; null for none.</param>
    /// <param name="embeddingDropout">The dropout after the embeddings.</param>
    /// <param name="embeddingSizes">Sizes that replace the rule's for the named columns.</param>
    public static TabularModel FromData(TabularData data, IReadOnlyList<int>? layers = null, IReadOnlyList<double>? dropouts = null, double embeddingDropout = 0,
        IReadOnlyDictionary<string, int>? embeddingSizes = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sizes = data.Categorical.Select(c => (c.Cardinality, embeddingSizes is not null && embeddingSizes.TryGetValue(c.Name, out int s) ? s : EmbeddingSize(c.Cardinality))).ToArray();
        return new TabularModel(sizes, data.Numeric.Count, data.ClassNames?.Count ?? 1, layers, dropouts, embeddingDropout);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        int categorical = EmbeddingSizes.Count;
        if (input.Dimensions != 2 || input.shape[1] != categorical + Continuous)
        {
            throw new ArgumentException(
                $"TabularModel expects [batch, {categorical + Continuous}] inputs ({categorical} categorical codes, then {Continuous} numbers); got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        using DisposeScope scope = NewDisposeScope();
        var parts = new List<Tensor>(2);
        if (categorical > 0)
        {
            Tensor codes = input.narrow(1, 0, categorical).to_type(ScalarType.Int64);
            Tensor embedded = cat(embeds.Select((e, i) => e.call(codes.select(1, i))).ToArray(), 1);
            parts.Add(emb_drop.call(embedded));
        }

        if (Continuous > 0)
        {
            Tensor numbers = input.narrow(1, categorical, Continuous);
            parts.Add(bn_cont is null ? numbers : bn_cont.call(numbers));
        }

        Tensor x = parts.Count == 1 ? parts[0] : cat(parts.ToArray(), 1);
        return layers.call(x).MoveToOuterDisposeScope();
    }

    // fastai's Embedding: weights from a truncated normal of std 0.01.
    private static Embedding Embedding(int cardinality, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cardinality, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Embedding e = nn.Embedding(cardinality, size);
        using (no_grad())
        {
            nn.init.trunc_normal_(e.weight, std: 0.01);
        }

        return e;
    }
}
