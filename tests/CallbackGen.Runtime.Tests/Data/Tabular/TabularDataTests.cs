using CallbackGen.Data;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Data.Tabular;

public class TabularDataTests
{
    // Rows 0-5 train, 6-7 valid (given explicitly, so the statistics are known).
    private const string Table = """
        age,city,zip,income,label
        30,Paris,75001,1000,yes
        40,Lyon,69001,,no
        ,Paris,75001,3000,yes
        50,"Saint-Denis, 93",93200,2000,no
        20,NA,69001,5000,yes
        60,Lyon,,4000,no
        35,Nice,75001,?,yes
        45,Paris,12345,2500,no
        """;

    private static CsvTable Parse(string text) => CsvTable.Parse(new StringReader(text), "people.csv");

    private static readonly long[] TrainRows = [0, 1, 2, 3, 4, 5];
    private static readonly long[] ValidRows = [6, 7];

    [Fact]
    public void Numeric_categorical_and_missing_values_round_trip_through_their_encodings()
    {
        using TabularData data = TabularData.FromTable(Parse(Table), "label", TrainRows, ValidRows, categorical: ["zip"]);

        Assert.Equal(["no", "yes"], data.ClassNames);
        Assert.Equal(["city", "zip"], data.Categorical.Select(c => c.Name));
        Assert.Equal(["age", "income"], data.Numeric.Select(c => c.Name));
        CategoricalEncoding city = data.Categorical[0];
        Assert.Equal([CategoricalEncoding.Unknown, "Lyon", "Paris", "Saint-Denis, 93"], city.Vocabulary);

        // age: training values 30, 40, 50, 20, 60 and one missing, filled with their median 40.
        NumericEncoding age = data.Numeric[0];
        Assert.Equal(40, age.Fill);
        Assert.Equal(1, age.MissingInTraining);
        Assert.Equal(40, age.Mean, 9);
        Assert.Equal(Math.Sqrt(1000.0 / 5), age.Std, 9);

        float[,] x = ToArray(data.Train.X);
        string[] cities = ["Paris", "Lyon", "Paris", "Saint-Denis, 93", CategoricalEncoding.Unknown, "Lyon"];
        double[] ages = [30, 40, 40, 50, 20, 60];
        double[] incomes = [1000, 3000, 3000, 2000, 5000, 4000]; // row 1's missing income is the median, 3000
        for (int r = 0; r < 6; r++)
        {
            Assert.Equal(cities[r], city.Decode((int)x[r, 0]));
            Assert.Equal(ages[r], age.Decode(x[r, 2]), 4);
            Assert.Equal(incomes[r], data.Numeric[1].Decode(x[r, 3]), 3);
        }

        // Standardised with the training rows' statistics: mean 0, sample std 1.
        using (NewDisposeScope())
        {
            Tensor numbers = data.Train.X[.., 2..];
            Assert.All(numbers.mean([0]).data<float>().ToArray(), m => Assert.Equal(0f, m, 5));
            Assert.All(numbers.std([0]).data<float>().ToArray(), s => Assert.Equal(1f, s, 5));
        }

        // Validation: a city and a zip the training rows never had are code 0; '?' is missing.
        float[,] v = ToArray(data.Valid.X);
        Assert.Equal(0, v[0, 0]);
        Assert.Equal(CategoricalEncoding.Unknown, data.Categorical[1].Decode((int)v[1, 1]));
        Assert.Equal(3000, data.Numeric[1].Decode(v[0, 3]), 3);
        Assert.Equal([1L, 0L], data.Valid.Y.data<long>().ToArray());
    }

    [Fact]
    public void A_numeric_target_is_regression()
    {
        using TabularData data = TabularData.FromTable(Parse("x,city,y\n1,a,10.5\n2,b,20\n3,a,30\n4,c,40\n"), "y", [0, 1, 2], [3]);

        Assert.Null(data.ClassNames);
        Assert.Equal(ScalarType.Float32, data.Train.Y.dtype);
        Assert.Equal([10.5f, 20f, 30f], data.Train.Y.data<float>().ToArray());
        Assert.Equal(["city"], data.Categorical.Select(c => c.Name));
        Assert.Equal(["x"], data.Numeric.Select(c => c.Name));
        Assert.Equal(0f, data.Valid.X[0, 0].item<float>()); // 'c' was not in training
    }

    [Fact]
    public void An_integer_target_with_few_values_is_classes_in_numeric_order_unless_told_otherwise()
    {
        string text = "x,y\n1,0\n2,1\n3,10\n4,2\n5,1\n";

        using TabularData classes = TabularData.FromTable(Parse(text), "y", [0, 1, 2, 3], [4]);
        using TabularData regression = TabularData.FromTable(Parse(text), "y", [0, 1, 2, 3], [4], classification: false);

        Assert.Equal(["0", "1", "2", "10"], classes.ClassNames);
        Assert.Equal(ScalarType.Int64, classes.Train.Y.dtype);
        Assert.Equal([0L, 1L, 3L, 2L], classes.Train.Y.data<long>().ToArray());
        Assert.Equal([0L, 1L, 2L, 3L], classes.TrainRows);
        Assert.Equal([4L], classes.ValidRows);
        Assert.Null(regression.ClassNames);
        Assert.Equal(ScalarType.Float32, regression.Train.Y.dtype);
    }

    [Fact]
    public void An_integer_target_with_many_values_or_written_with_a_decimal_point_stays_a_regression()
    {
        string many = "x,y\n" + string.Concat(Enumerable.Range(0, TabularData.MaxIntegerClasses + 1).Select(i => $"{i},{i * 3}\n"));
        long[] rows = Enumerable.Range(0, TabularData.MaxIntegerClasses + 1).Select(i => (long)i).ToArray();

        using TabularData counts = TabularData.FromTable(Parse(many), "y", rows[..^1], rows[^1..]);
        using TabularData measured = TabularData.FromTable(Parse("x,y\n1,0.0\n2,1.0\n3,1.0\n"), "y", [0, 1], [2]);

        Assert.Null(counts.ClassNames);
        Assert.Null(measured.ClassNames);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3\n", "people.csv, line 3, column 2 ('b'): missing")]
    [InlineData("a,b\n1,2\n3,4,5\n", "people.csv, line 3, column 3: the row has 3 fields but the header has 2")]
    [InlineData("a,b\n1,\"2\n3,4\n", "people.csv, line 2, column 2: a quoted field is not closed")]
    [InlineData("a,b\n1,2\n3,x\"y\n", "people.csv, line 3, column 2: a quote inside an unquoted field")]
    [InlineData("a,b\n1,\"2\"x\n", "people.csv, line 2, column 2: text after the closing quote")]
    [InlineData("a,a\n1,2\n", "people.csv, line 1, column 2: the column name 'a' is also column 1's")]
    [InlineData("", "people.csv: the file is empty")]
    public void A_malformed_row_is_named_by_line_and_column(string text, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(text));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_target_is_named_by_line_and_column_and_an_unknown_column_lists_the_columns()
    {
        CsvTable table = Parse("x,y\n1,a\n\n2,\n");

        var error = Assert.Throws<InvalidDataException>(() => TabularData.FromTable(table, "y", [0], [1]));
        Assert.Equal("people.csv, line 4, column 2 ('y'): the target is missing.", error.Message);
        Assert.Contains("its columns are x, y", Assert.Throws<ArgumentException>(() => TabularData.FromTable(table, "z", [0], [1])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_fields_keep_commas_quotes_and_line_breaks_and_rows_remember_their_lines()
    {
        CsvTable table = Parse("a,b\n\"x, \"\"y\"\"\",\"two\nlines\"\n3,4\n");

        Assert.Equal(["x, \"y\"", "two\nlines"], table.Rows[0]);
        Assert.Equal([2, 4], table.Lines);
    }

    [Fact]
    public void A_csv_file_loads_with_a_seeded_split_into_fast_path_loaders()
    {
        using var dir = new TempDirectory();
        string path = dir["people.csv"];
        File.WriteAllText(path, Table);

        using TabularData data = TabularData.FromCsv(path, "label", validPct: 0.25, seed: 3);
        using DataBunch bunch = data.ToDataBunch(batchSize: 4);

        Assert.Equal(6, data.Train.Count);
        Assert.Equal(2, data.Valid.Count);
        Assert.True(bunch.Train.IsInMemory);
        Assert.Equal(4, data.Train.X.shape[1]);
    }

    private static float[,] ToArray(Tensor x)
    {
        float[] flat = x.data<float>().ToArray();
        var result = new float[x.shape[0], x.shape[1]];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }
}
