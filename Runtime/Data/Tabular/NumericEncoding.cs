using System.Globalization;

namespace CallbackGen.Data;

/// <summary>
/// How a numeric column is encoded: a missing value becomes <see cref="Fill"/> (the training rows'
/// median), then every value is standardised with the training rows' <see cref="Mean"/> and
/// <see cref="Std"/>: <c>(v − mean) / std</c>.
/// </summary>
/// <param name="Name">The column.</param>
/// <param name="Mean">The mean of the training rows' values (missing ones filled).</param>
/// <param name="Std">Their standard deviation (1 when the column is constant, so it encodes to 0).</param>
/// <param name="Fill">What a missing value is replaced with: the median of the training rows' present values (0 when none is present).</param>
/// <param name="MissingInTraining">How many training rows had no value.</param>
public sealed record NumericEncoding(string Name, double Mean, double Std, double Fill, int MissingInTraining)
{
    /// <summary>The rule that chose <see cref="Fill"/>, for reports and exports.</summary>
    public const string FillRule = "median of the training rows";

    /// <summary>Encodes one value (null: missing).</summary>
    /// <param name="value">The value, or null.</param>
    public float Encode(double? value) => (float)(((value ?? Fill) - Mean) / Std);

    /// <summary>The value an encoded number stands for.</summary>
    /// <param name="encoded">An encoded value.</param>
    public double Decode(float encoded) => (encoded * Std) + Mean;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: numeric, mean {Mean:G6}, std {Std:G6}, missing -> {Fill:G6} ({FillRule}; {MissingInTraining} in training)");
}
