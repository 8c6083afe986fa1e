using System.Globalization;

namespace CallbackGen;

/// <summary>
/// Appends one row per epoch to a CSV file — the learner's epoch row (<see cref="Learner.LastEpoch"/>):
/// epoch (from 0, as the console shows it), train_loss, valid_loss, each metric, time in seconds —
/// writing the header once and flushing after every row. Its row count is kept in
/// checkpoints: a resumed fit drops the rows written after the checkpoint and continues the same
/// file, so the file never has a second header or a repeated epoch.
/// </summary>
/// <example><code>learn.Fit(10, cbs: new Callback[] { new CsvLogger("runs/history.csv"), new SaveModel("runs/last.ckpt") });</code></example>
public sealed partial class CsvLogger : Callback, IDisposable
{
    [Transient] private StreamWriter? file;
    [Checkpointed] private int rows;

    // Set from a loaded checkpoint: the rows of the interrupted run to keep.
    [Transient] private int? resumeRows;

    /// <summary>Creates the logger.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="append">Keep an existing file's rows and add to them (the header is not repeated); false starts a new file at each fit.</param>
    public CsvLogger(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        Append = append;
    }

    /// <summary>The CSV file.</summary>
    public string Path { get; }

    /// <summary>Whether an existing file is continued.</summary>
    public bool Append { get; }

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>Output only: in a distributed fit, rank 0 writes it (docs/distributed.md).</summary>
    public override bool RankZeroOnly => true;

    [Callback]
    private void BeforeFit()
    {
        Dispose();
        (rows, resumeRows) = (0, null);
    }

    [Callback]
    private void AfterEpoch()
    {
        EpochRecord row = Learn.LastEpoch ?? throw new InvalidOperationException(
            "CsvLogger found no epoch row (Learner.LastEpoch) at AfterEpoch: the learner's AvgStatsCallback builds it; keep it attached.");
        file ??= Open("epoch," + string.Join(",", row.Columns.Select(Quote)) + ",time");
        IEnumerable<double> values = row.Values.Append(row.WallTime.TotalSeconds);
        file.WriteLine(row.Epoch.ToString(CultureInfo.InvariantCulture) + "," + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        file.Flush();
        rows++;
    }

    [Callback] private void AfterFit() => Dispose();

    /// <inheritdoc/>
    protected override void OnStateLoaded() => resumeRows = rows;

    /// <summary>Releases what the run held, however it ended (the learner calls this after every fit).</summary>
    protected internal override void Teardown(Exception? error) => Dispose();

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        file?.Dispose();
        file = null;
    }

    private StreamWriter Open(string header)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        string[] lines = File.Exists(Path) && (Append || resumeRows is not null) ? File.ReadAllLines(Path) : Array.Empty<string>();
        rows = resumeRows is int keep ? Math.Min(keep, Math.Max(lines.Length - 1, 0)) : Math.Max(lines.Length - 1, 0);
        if (resumeRows is not null && lines.Length > 0)
        {
            // Rows after the checkpoint belong to the interrupted run; the resumed run writes them again.
            IO.AtomicFile.WriteAllLines(Path, lines.Take(rows + 1));
        }

        bool hasHeader = lines.Length > 0;
        var writer = new StreamWriter(Path, append: hasHeader);
        if (!hasHeader)
        {
            writer.WriteLine(header);
        }

        return writer;
    }

    private static string Quote(string name) =>
        name.AsSpan().IndexOfAny(",\"\n\r") < 0 ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
