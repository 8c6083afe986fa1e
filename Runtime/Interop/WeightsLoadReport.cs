using System.Text;

namespace CallbackGen.Interop;

/// <summary>
/// What <see cref="PyTorchWeights.Load"/> did with a weights file: the keys loaded, and in one place the
/// model's keys the file lacks, the file's keys the model lacks, the shape mismatches, the element
/// type conversions and the keys left out on purpose. <see cref="ToString"/> is the text a user reads
/// (and the message of a strict load's error).
/// </summary>
public sealed class WeightsLoadReport
{
    internal WeightsLoadReport(string path, bool strict, IReadOnlyList<string> loaded, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<ShapeMismatch> shapeMismatches, IReadOnlyList<DTypeConversion> converted, IReadOnlyList<string> ignored)
    {
        Path = path;
        Strict = strict;
        Loaded = loaded;
        Missing = missing;
        Unexpected = unexpected;
        ShapeMismatches = shapeMismatches;
        Converted = converted;
        Ignored = ignored;
    }

    /// <summary>The weights file.</summary>
    public string Path { get; }

    /// <summary>Whether the load was strict (any missing, unexpected or mismatched key refuses it).</summary>
    public bool Strict { get; }

    /// <summary>The keys whose tensors were copied into the model.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>The model's keys the file does not have (left as they were).</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>The file's keys the model does not have (not loaded).</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Keys whose shapes differ (not loaded).</summary>
    public IReadOnlyList<ShapeMismatch> ShapeMismatches { get; }

    /// <summary>Keys whose element type was converted on the way in.</summary>
    public IReadOnlyList<DTypeConversion> Converted { get; }

    /// <summary>The file's keys left out because they start with an ignored prefix (for example a classifier being replaced).</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>True when every key of the model was loaded and the file had nothing else (ignored keys aside).</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <summary>The report as a user reads it.</summary>
    public override string ToString()
    {
        var b = new StringBuilder();
        bool refused = Strict && !IsExact;
        b.Append(refused ? $"{Loaded.Count} tensors of '{Path}' fit the model, but the keys do not match:" : $"{Loaded.Count} tensors loaded from '{Path}'");
        b.Append(IsExact ? "; every key of the model matched." : refused ? string.Empty : "; these were skipped (strict: false):");
        Line(b, "missing from the file (the model keeps its own values)", Missing);
        Line(b, "unexpected in the file (not in the model)", Unexpected);
        Line(b, "shape mismatch (not loaded)", ShapeMismatches.Select(m => m.ToString()).ToList());
        Line(b, "converted", Converted.Select(c => c.ToString()).ToList());
        Line(b, "ignored on purpose", Ignored);
        return b.ToString();
    }

    private static void Line(StringBuilder b, string label, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        const int Shown = 12;
        b.Append($"\n  {label} ({keys.Count}): {string.Join(", ", keys.Take(Shown))}{(keys.Count > Shown ? $", … {keys.Count - Shown} more" : string.Empty)}");
    }
}
