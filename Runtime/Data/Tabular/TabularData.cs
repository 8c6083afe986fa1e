using System.Globalization;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// A CSV table encoded for training (fastai's <c>TabularDataLoaders.from_csv</c>): one target column,
/// the other columns as features. A sample's input is float32 [categorical codes…, standardised
/// numbers…] (the layout <see cref="Categorical"/> then <see cref="Numeric"/>); its target is a class
/// index (int64) for classification or the value (float32) for regression.
/// </summary>
/// <remarks>
/// <para>
/// The encodings are fitted on the training rows only (numeric mean, standard deviation and the median
/// that fills missing values; categorical vocabularies), then applied to every row, so validation and
/// inference see what training saw. They are plain data (<see cref="Numeric"/>, <see cref="Categorical"/>,
/// <see cref="ClassNames"/>) for an export to record.
/// </para>
/// <para>
/// A value is missing when its field is empty or one of <see cref="MissingMarkers"/>. A column is numeric
/// when every present value parses as a number (invariant culture), else categorical, unless named in
/// <c>categorical</c>. Encoding happens once, when the table is loaded: the samples are two tensors and
/// the loaders take the in-memory fast path.
/// </para>
/// </remarks>
/// <example><code>
/// var table = TabularData.FromCsv("adult.csv", target: "salary", validPct: 0.2, seed: 42);
/// using DataBunch adult = table.ToDataBunch(batchSize: 64, generator: new Generator(42));
/// int ageCodes = table.Categorical[0].Cardinality;   // rows of an embedding for the first categorical column
/// </code></example>
public sealed class TabularData : IDisposable
{
    /// <summary>Field values that mean "missing" (besides the empty field), compared exactly after trimming.</summary>
    public static readonly IReadOnlyList<string> MissingMarkers = ["NA", "N/A", "NaN", "null", "?"];

    /// <summary>
    /// The most distinct values an integer target may have and still be read as classes when
    /// <c>classification</c> is not given: 0/1 labels and class codes are classes (as fastai and Keras
    /// users expect of integer labels), counts and years with many values stay a regression.
    /// </summary>
    public const int MaxIntegerClasses = 20;

    private TabularData(string target, IReadOnlyList<string>? classNames, IReadOnlyList<CategoricalEncoding> categorical, IReadOnlyList<NumericEncoding> numeric, TensorDataset train, TensorDataset valid, IReadOnlyList<long> trainRows, IReadOnlyList<long> validRows)
    {
        TrainRows = trainRows;
        ValidRows = validRows;
        Target = target;
        ClassNames = classNames;
        Categorical = categorical;
        Numeric = numeric;
        Train = train;
        Valid = valid;
    }

    /// <summary>The target column.</summary>
    public string Target { get; }

    /// <summary>The classes (targets are indices into them); null for a regression target.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>The categorical feature columns, in input order (input columns 0 … count − 1).</summary>
    public IReadOnlyList<CategoricalEncoding> Categorical { get; }

    /// <summary>The numeric feature columns, in input order (after the categorical ones).</summary>
    public IReadOnlyList<NumericEncoding> Numeric { get; }

    /// <summary>The training rows, encoded.</summary>
    public TensorDataset Train { get; }

    /// <summary>The validation rows, encoded.</summary>
    public TensorDataset Valid { get; }

    /// <summary>The training rows: indices into the table's <see cref="CsvTable.Rows"/>, in the order of <see cref="Train"/>'s samples.</summary>
    public IReadOnlyList<long> TrainRows { get; }

    /// <summary>The validation rows: indices into the table's <see cref="CsvTable.Rows"/>, in the order of <see cref="Valid"/>'s samples.</summary>
    public IReadOnlyList<long> ValidRows { get; }

    /// <summary>
    /// Loads and encodes <paramref name="path"/>, split at random into training and validation rows.
    /// </summary>
    /// <param name="path">The CSV file (header row first).</param>
    /// <param name="target">The target column's name.</param>
    /// <param name="validPct">The validation fraction.</param>
    /// <param name="seed">The split's seed.</param>
    /// <param name="categorical">Columns to treat as categorical even if their values are numbers (e.g. codes).</param>
    /// <param name="classification">Whether the target is a class; null: a class when any target value is not a number, or when every value is an integer (written without a decimal point) and there are at most <see cref="MaxIntegerClasses"/> distinct values.</param>
    /// <exception cref="InvalidDataException">A malformed row, or a missing target value (line and column named).</exception>
    public static TabularData FromCsv(string path, string target, double validPct = 0.2, int seed = 42, IEnumerable<string>? categorical = null, bool? classification = null)
    {
        CsvTable table = CsvTable.Read(path);
        (long[] train, long[] valid) = DatasetSplit.Random(table.Rows.Count, validPct, seed);
        return FromTable(table, target, train, valid, categorical, classification);
    }

    /// <summary>Encodes a table with given training and validation rows (indices into <see cref="CsvTable.Rows"/>).</summary>
    /// <param name="table">The table.</param>
    /// <param name="target">The target column's name.</param>
    /// <param name="trainRows">The training rows; the encodings are fitted on them.</param>
    /// <param name="validRows">The validation rows.</param>
    /// <param name="categorical">Columns to treat as categorical even if their values are numbers.</param>
    /// <param name="classification">Whether the target is a class; null: a class when any target value is not a number, or when every value is an integer (written without a decimal point) and there are at most <see cref="MaxIntegerClasses"/> distinct values.</param>
    public static TabularData FromTable(CsvTable table, string target, IReadOnlyList<long> trainRows, IReadOnlyList<long> validRows, IEnumerable<string>? categorical = null, bool? classification = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(trainRows);
        ArgumentNullException.ThrowIfNull(validRows);
        int targetColumn = table.IndexOf(target);
        var forced = new HashSet<string>(categorical ?? [], StringComparer.Ordinal);
        foreach (string name in forced)
        {
            table.IndexOf(name);
        }

        // Missing targets cannot be trained on or scored: an error, not a fill.
        for (int r = 0; r < table.Rows.Count; r++)
        {
            if (IsMissing(table.Rows[r][targetColumn]))
            {
                throw new InvalidDataException($"{table.Path}, line {table.Lines[r]}, column {targetColumn + 1} ('{target}'): the target is missing.");
            }
        }

        bool integers = table.Rows.All(row => IsInteger(row[targetColumn]));
        bool isClass = classification
            ?? (table.Rows.Any(row => !TryNumber(row[targetColumn], out _))
                || (integers && table.Rows.Select(row => long.Parse(row[targetColumn].Trim(), CultureInfo.InvariantCulture)).Distinct().Count() <= MaxIntegerClasses));
        IEnumerable<string> present = trainRows.Select(r => table.Rows[(int)r][targetColumn].Trim()).Distinct(StringComparer.Ordinal);
        // Integer classes in numeric order (class 2 before class 10), other classes in ordinal order.
        string[]? classNames = !isClass ? null
            : integers ? present.OrderBy(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : present.Order(StringComparer.Ordinal).ToArray();
        Dictionary<string, int>? classIndex = classNames?.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);

        var categoricalColumns = new List<(int Column, CategoricalEncoding Encoding)>();
        var numericColumns = new List<(int Column, NumericEncoding Encoding)>();
        for (int c = 0; c < table.Header.Count; c++)
        {
            if (c == targetColumn)
            {
                continue;
            }

            string name = table.Header[c];
            bool numeric = !forced.Contains(name) && table.Rows.All(row => IsMissing(row[c]) || TryNumber(row[c], out _));
            if (numeric)
            {
                numericColumns.Add((c, FitNumeric(table, c, trainRows)));
            }
            else
            {
                categoricalColumns.Add((c, new CategoricalEncoding(name, trainRows.Select(r => table.Rows[(int)r][c]).Where(v => !IsMissing(v)).Select(v => v.Trim()))));
            }
        }

        TensorDataset Encode(IReadOnlyList<long> rows)
        {
            int width = categoricalColumns.Count + numericColumns.Count;
            float[] x = new float[rows.Count * width];
            long[] classes = new long[isClass ? rows.Count : 0];
            float[] values = new float[isClass ? 0 : rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                int r = (int)rows[i];
                string[] row = table.Rows[r];
                int k = i * width;
                foreach ((int c, CategoricalEncoding e) in categoricalColumns)
                {
                    x[k++] = e.Encode(IsMissing(row[c]) ? null : row[c].Trim());
                }

                foreach ((int c, NumericEncoding e) in numericColumns)
                {
                    x[k++] = e.Encode(IsMissing(row[c]) ? null : Number(row[c]));
                }

                string y = row[targetColumn].Trim();
                if (isClass)
                {
                    if (!classIndex!.TryGetValue(y, out int label))
                    {
                        throw new InvalidDataException(
                            $"{table.Path}, line {table.Lines[r]}, column {targetColumn + 1} ('{target}'): the class '{y}' is not among the training rows' classes ({string.Join(", ", classNames!)}).");
                    }

                    classes[i] = label;
                }
                else if (TryNumber(y, out double v))
                {
                    values[i] = (float)v;
                }
                else
                {
                    throw new InvalidDataException($"{table.Path}, line {table.Lines[r]}, column {targetColumn + 1} ('{target}'): '{y}' is not a number (the target is numeric).");
                }
            }

            Tensor inputs = tensor(x, [rows.Count, width]);
            Tensor targets = isClass ? tensor(classes) : tensor(values);
            return new TensorDataset(inputs.DetachFromDisposeScope(), targets.DetachFromDisposeScope());
        }

        TensorDataset trainSet = Encode(trainRows);
        TensorDataset validSet = Encode(validRows);
        return new TabularData(target, classNames, categoricalColumns.Select(c => c.Encoding).ToArray(), numericColumns.Select(c => c.Encoding).ToArray(), trainSet, validSet, trainRows.ToArray(), validRows.ToArray());
    }

    /// <summary>A shuffled training loader and a sequential validation loader (the in-memory fast path).</summary>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="validBatchSize">Validation batch size; default twice <paramref name="batchSize"/>.</param>
    /// <param name="generator">The CPU generator for the training order; null uses torch's default generator.</param>
    public DataBunch ToDataBunch(int batchSize, int? validBatchSize = null, Generator? generator = null) =>
        DataBunch.FromTensors(Train.X, Train.Y, Valid.X, Valid.Y, batchSize, validBatchSize, generator);

    /// <summary>Releases the encoded tensors.</summary>
    public void Dispose()
    {
        Train.X.Dispose();
        Train.Y.Dispose();
        Valid.X.Dispose();
        Valid.Y.Dispose();
    }

    private static NumericEncoding FitNumeric(CsvTable table, int column, IReadOnlyList<long> trainRows)
    {
        var present = new List<double>(trainRows.Count);
        foreach (long r in trainRows)
        {
            string v = table.Rows[(int)r][column];
            if (!IsMissing(v))
            {
                present.Add(Number(v));
            }
        }

        present.Sort();
        int missing = trainRows.Count - present.Count;
        double fill = present.Count == 0 ? 0
            : present.Count % 2 == 1 ? present[present.Count / 2]
            : (present[(present.Count / 2) - 1] + present[present.Count / 2]) / 2;
        double mean = (present.Sum() + (missing * fill)) / Math.Max(1, trainRows.Count);
        double squares = present.Sum(v => (v - mean) * (v - mean)) + (missing * (fill - mean) * (fill - mean));
        double std = trainRows.Count > 1 ? Math.Sqrt(squares / (trainRows.Count - 1)) : 0;
        return new NumericEncoding(table.Header[column], mean, std > 0 ? std : 1, fill, missing);
    }

    private static bool IsMissing(string value)
    {
        string v = value.Trim();
        return v.Length == 0 || MissingMarkers.Contains(v, StringComparer.Ordinal);
    }

    private static bool TryNumber(string value, out double number) =>
        double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);

    // A whole number written as one ("3", "-1"; not "3.0" or "1e3"), so that measured values stay numbers.
    private static bool IsInteger(string value) => long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static double Number(string value) => double.Parse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
