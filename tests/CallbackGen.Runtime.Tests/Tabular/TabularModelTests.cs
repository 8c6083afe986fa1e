using System.Globalization;
using CallbackGen.Data;
using CallbackGen.Tabular;
using CallbackGen.Tests;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Tabular;

[Collection(GlobalRngCollection.Name)]
public class TabularModelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(10, 6)]
    [InlineData(100, 21)]
    [InlineData(1000, 77)]
    [InlineData(100_000, 600)]
    public void Embedding_sizes_follow_fastais_rule(int cardinality, int size) =>
        Assert.Equal(size, TabularModel.EmbeddingSize(cardinality));

    [Fact]
    public void The_model_has_an_embedding_per_categorical_column_a_batch_norm_on_the_numbers_and_linear_batch_norm_dropout_blocks()
    {
        using var dir = new TempDirectory();
        string csv = dir["t.csv"];
        var rows = Enumerable.Range(0, 60).Select(i => string.Create(CultureInfo.InvariantCulture, $"c{i % 9},{(i % 2 == 0 ? "x" : "y")},{i * 0.5},{i % 3},{(i % 4 == 0 ? "yes" : "no")}"));
        File.WriteAllLines(csv, ["color,side,size,code,label", .. rows]);
        using TabularData table = TabularData.FromCsv(csv, target: "label", validPct: 0.25, seed: 1, categorical: ["code"]);

        using TabularModel model = TabularModel.FromData(table, layers: [20, 10], dropouts: [0.1, 0.05]);

        // color: 9 categories + #na# = 10 codes → 6; side: 3 codes → 3; code: 4 codes → 3; numbers: size.
        Assert.Equal([(10, 6), (3, 3), (4, 3)], model.EmbeddingSizes);
        Assert.Equal(1, model.Continuous);
        Assert.Equal(
            ["Linear", "ReLU", "BatchNorm1d", "Dropout", "Linear", "ReLU", "BatchNorm1d", "Dropout", "Linear"],
            model.named_children().Single(c => c.name == "layers").module.children().Select(c => c.GetType().Name));
        Assert.Equal([6L + 3 + 3 + 1, 20], ((Linear)model.named_children().Single(c => c.name == "layers").module.children().First()).weight!.shape.Reverse());
        Assert.Equal(1L, ((BatchNorm1d)model.named_children().Single(c => c.name == "bn_cont").module).num_features);
        model.eval();
        using Tensor y = model.call(table.Valid.X);
        Assert.Equal([table.Valid.X.shape[0], 2L], y.shape);
    }

    [SkippableTheory]
    [Trait("Category", "Slow")]
    [InlineData("wine", 30)]
    [InlineData("breast_cancer", 20)]
    public void Validation_accuracy_is_within_a_point_of_scikit_learns_logistic_regression(string dataset, int epochs)
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import csv, sys, sklearn.datasets as d
            data = getattr(d, 'load_' + sys.argv[1])()
            with open(sys.argv[2], 'w', newline='') as f:
                w = csv.writer(f)
                w.writerow([n.replace(' ', '_') for n in data.feature_names] + ['target'])
                for x, y in zip(data.data, data.target):
                    w.writerow([repr(float(v)) for v in x] + ['class_%d' % y])
            """, dataset, dir["table.csv"]);
        CsvTable csv = CsvTable.Read(dir["table.csv"]);
        (long[] train, long[] valid) = DatasetSplit.Random(csv.Rows.Count, 0.2, 42);
        File.WriteAllText(dir["train.txt"], string.Join(' ', train));
        double reference = double.Parse(ReferencePython.Script("""
            import sys, numpy as np, sklearn.datasets as d
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            data = getattr(d, 'load_' + sys.argv[1])()
            x, y = data.data, data.target
            train = np.array([int(i) for i in open(sys.argv[2]).read().split()])
            valid = np.setdiff1d(np.arange(len(y)), train)
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=10000)).fit(x[train], y[train])
            print(repr(model.score(x[valid], y[valid])))
            """, dataset, dir["train.txt"]), CultureInfo.InvariantCulture);

        using TabularData table = TabularData.FromTable(csv, "target", train, valid);
        using DataBunch data = table.ToDataBunch(batchSize: 32, generator: new Generator().manual_seed(0));
        random.manual_seed(0);
        using Learner learn = TabularLearner.Create(table, data, metrics: [Metric.Accuracy]);
        learn.FitOneCycle(epochs, 1e-2);
        double accuracy = learn.Validate()["accuracy"];

        output.WriteLine($"{dataset}: {train.Length} training rows, {valid.Length} validation rows; TabularModel accuracy {accuracy:P2}, scikit-learn LogisticRegression {reference:P2}");
        Assert.True(accuracy >= reference - 0.01, $"{dataset}: TabularModel {accuracy:P2} vs LogisticRegression {reference:P2}");
    }
}
