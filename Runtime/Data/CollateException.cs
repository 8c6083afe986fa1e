using System.Globalization;

namespace CallbackGen.Data;

/// <summary>
/// The samples of a batch could not be collated (typically: their shapes disagree). The message names
/// the batch and the dataset indices of the samples whose shapes differ from the rest; the collate
/// function's own exception is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class CollateException : Exception
{
    private CollateException(string message, int batchIndex, IReadOnlyList<long> sampleIndices, Exception inner)
        : base(message, inner) => (BatchIndex, SampleIndices) = (batchIndex, sampleIndices);

    /// <summary>The batch of the epoch.</summary>
    public int BatchIndex { get; }

    /// <summary>The dataset indices of the samples whose shapes differ from the batch's most common shape (empty when they all agree).</summary>
    public IReadOnlyList<long> SampleIndices { get; }

    internal static CollateException Create<TSample>(int batchIndex, IReadOnlyList<long> indices, IReadOnlyList<TSample> samples, Exception inner)
    {
        string cause = LoopStepException.FirstLine(inner);
        if (samples is not IReadOnlyList<Sample> typed || typed.Count == 0)
        {
            return new CollateException($"Batch {batchIndex} of the epoch could not be collated: {cause}", batchIndex, Array.Empty<long>(), inner);
        }

        string[] shapes = typed.Select(s => $"x [{string.Join(", ", s.X.shape)}] {s.X.dtype}, y [{string.Join(", ", s.Y.shape)}] {s.Y.dtype}").ToArray();
        string common = shapes.GroupBy(x => x).OrderByDescending(g => g.Count()).First().Key;
        var odd = Enumerable.Range(0, shapes.Length).Where(i => shapes[i] != common).ToArray();
        long[] oddIndices = odd.Select(i => indices[i]).ToArray();
        string detail = odd.Length == 0
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture,
                $" The samples disagree: {string.Join("; ", odd.Take(5).Select(i => $"sample {indices[i]} has {shapes[i]}"))}{(odd.Length > 5 ? $" (and {odd.Length - 5} more)" : string.Empty)}, while the other {shapes.Length - odd.Length} have {common}.");
        return new CollateException($"Batch {batchIndex} of the epoch could not be collated: {cause}.{detail}", batchIndex, oddIndices, inner);
    }
}
