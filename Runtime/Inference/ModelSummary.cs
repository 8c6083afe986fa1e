using System.Globalization;
using System.Text;

namespace CallbackGen.Inference;

/// <summary>
/// What <see cref="Learner.Summary"/> reports, as Keras' <c>model.summary()</c> and fastai's
/// <c>learn.summary()</c>: the input shape the model received, each leaf layer's output shape for
/// one batch in the order the layers ran, and the parameter counts (trainable and frozen).
/// <see cref="ToString"/> formats it as a table.
/// </summary>
/// <param name="ModelType">The model's type name.</param>
/// <param name="InputShape">The shape of the batch the model received (after the batch transforms).</param>
/// <param name="Layers">The leaf layers in the order they ran (a layer that ran twice appears twice).</param>
/// <param name="TotalParameters">Every parameter value of the model.</param>
/// <param name="TrainableParameters">The values that require gradients.</param>
public sealed record ModelSummary(string ModelType, long[] InputShape, IReadOnlyList<LayerSummary> Layers, long TotalParameters, long TrainableParameters)
{
    /// <summary>The values that do not require gradients (frozen).</summary>
    public long FrozenParameters => TotalParameters - TrainableParameters;

    /// <summary>The summary as a table.</summary>
    public override string ToString()
    {
        string[] header = ["Layer", "Type", "Output shape", "Params", "Trainable"];
        List<string[]> rows = Layers.Select(l => new[]
        {
            l.Name,
            l.Type,
            l.OutputShapeText,
            l.Parameters.ToString("N0", CultureInfo.InvariantCulture),
            l.Parameters == 0 ? "" : l.TrainableParameters == l.Parameters ? "yes" : l.TrainableParameters == 0 ? "no" : "partly",
        }).ToList();
        int[] widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{ModelType} (input {ShapeText(InputShape)})").AppendLine();
        AppendRow(sb, header, widths);
        sb.Append('-', widths.Sum() + (2 * (widths.Length - 1))).AppendLine();
        foreach (string[] row in rows)
        {
            AppendRow(sb, row, widths);
        }

        sb.Append('-', widths.Sum() + (2 * (widths.Length - 1))).AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Total params: {TotalParameters:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Trainable params: {TrainableParameters:N0}").AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Frozen params: {FrozenParameters:N0}");
        return sb.ToString();
    }

    internal static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths)
    {
        for (int i = 0; i < cells.Length; i++)
        {
            // Numbers right-aligned, text left-aligned.
            string cell = i == 3 ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
            sb.Append(cell);
            if (i < cells.Length - 1)
            {
                sb.Append("  ");
            }
        }

        sb.Length = sb.ToString().TrimEnd().Length;
        sb.AppendLine();
    }
}
