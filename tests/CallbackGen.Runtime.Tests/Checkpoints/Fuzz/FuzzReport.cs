using System.Globalization;

namespace CallbackGen.Runtime.Tests.Checkpoints.Fuzz;

/// <summary>What a <see cref="CheckpointFuzzer"/> run saw.</summary>
public sealed class FuzzReport
{
    /// <summary>Mutants loaded.</summary>
    public int Mutants { get; set; }

    /// <summary>The original file's size.</summary>
    public int FileBytes { get; set; }

    /// <summary>Mutants the reader accepted (a changed weight, for example).</summary>
    public int Loaded { get; set; }

    /// <summary>Refusals by exception type.</summary>
    public SortedDictionary<string, int> Refused { get; } = new(StringComparer.Ordinal);

    /// <summary><c>CheckpointException</c>s by the section they named.</summary>
    public SortedDictionary<string, int> BySection { get; } = new(StringComparer.Ordinal);

    /// <summary>Refusals with a type other than <c>CheckpointException</c>.</summary>
    public int Undocumented { get; set; }

    /// <summary>A few of those, for the message.</summary>
    public List<string> Samples { get; } = new();

    /// <summary>Refusals after which the target's state differed.</summary>
    public int Changed { get; set; }

    /// <summary>Loads that allocated more than the file's size + 1 MB of managed memory.</summary>
    public int OverAllocated { get; set; }

    /// <summary>The most managed bytes a load allocated beyond the file's size.</summary>
    public long WorstAllocationBeyondFile { get; set; }

    /// <summary>The slowest load.</summary>
    public double WorstMilliseconds { get; set; }

    /// <summary>One line of a Markdown table.</summary>
    public string Row(string reader) => string.Create(CultureInfo.InvariantCulture,
        $"| {reader} | {FileBytes} | {Mutants} | {Loaded} | {string.Join(", ", Refused.Select(p => $"{p.Key} {p.Value}"))} | {Undocumented} | {Changed} | {OverAllocated} | {WorstAllocationBeyondFile / 1024.0:F0} kB | {WorstMilliseconds:F1} ms |");

    /// <inheritdoc/>
    public override string ToString() => Row("reader") + (Samples.Count > 0 ? " " + string.Join(" / ", Samples) : "");
}
