using System.Globalization;

namespace CallbackGen;

/// <summary>How <see cref="Progress"/> shows an <see cref="EpochRecord"/> to people (the CSV keeps full precision).</summary>
internal static class EpochText
{
    /// <summary>The header cells of the table: epoch, the row's columns, time.</summary>
    public static string[] Header(EpochRecord row) => new[] { "epoch" }.Concat(row.Columns).Append("time").ToArray();

    /// <summary>The cells of the table: the epoch as the row numbers it (from 0, as the CSV), the values, the time.</summary>
    public static string[] Cells(EpochRecord row) =>
        new[] { row.Epoch.ToString(CultureInfo.InvariantCulture) }.Concat(row.Values.Select(Show)).Append(row.TimeText).ToArray();

    /// <summary>A value as shown to people: six decimals, or "-" when missing.</summary>
    public static string Show(double value) => double.IsNaN(value) ? "-" : value.ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>The whole epoch on one line of <c>name value</c> pairs (no control codes).</summary>
    public static string Line(EpochRecord row) =>
        $"epoch {row.Epoch.ToString(CultureInfo.InvariantCulture)}  "
        + string.Join("  ", row.Columns.Zip(row.Values, (n, v) => $"{n} {Show(v)}"))
        + $"  time {row.TimeText}";
}
