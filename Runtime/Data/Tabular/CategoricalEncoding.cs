namespace CallbackGen.Data;

/// <summary>
/// How a categorical column is encoded: each category seen in the training rows gets a code from 1 in
/// ordinal order; code 0 (<see cref="Unknown"/>) stands for a missing value or a category the training
/// rows did not have, so an embedding of <see cref="Cardinality"/> rows covers every code.
/// </summary>
public sealed class CategoricalEncoding
{
    /// <summary>The name of code 0: missing or not seen in training (fastai's <c>#na#</c>).</summary>
    public const string Unknown = "#na#";

    private readonly Dictionary<string, int> codes;

    /// <summary>Creates the encoding from the training rows' categories.</summary>
    /// <param name="name">The column.</param>
    /// <param name="categories">The distinct categories seen in training (any order; sorted ordinally here).</param>
    public CategoricalEncoding(string name, IEnumerable<string> categories)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(categories);
        Name = name;
        Vocabulary = [Unknown, .. categories.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        codes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 1; i < Vocabulary.Count; i++)
        {
            codes[Vocabulary[i]] = i;
        }
    }

    /// <summary>The column.</summary>
    public string Name { get; }

    /// <summary>Code i's category; entry 0 is <see cref="Unknown"/>.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>The number of codes (the rows an embedding needs).</summary>
    public int Cardinality => Vocabulary.Count;

    /// <summary>The code of <paramref name="category"/>: 0 when it is null (missing) or unseen.</summary>
    /// <param name="category">The value, or null.</param>
    public int Encode(string? category) => category is not null && codes.TryGetValue(category, out int code) ? code : 0;

    /// <summary>The category of <paramref name="code"/>.</summary>
    /// <param name="code">A code in [0, <see cref="Cardinality"/>).</param>
    public string Decode(int code) => Vocabulary[code];

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: categorical, {Cardinality} codes (0 = {Unknown})";
}
