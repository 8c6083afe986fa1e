using CallbackGen.Inference;
using CallbackGen.Tests;
using CallbackGen.Runtime.Tests.Support;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Inference;

public class ClassificationInterpretationTests
{
    // Six samples, three classes: predicted = argmax of the logits below.
    // actual:    0 0 1 1 2 2
    // predicted: 0 1 1 2 2 1
    private static ClassificationInterpretation Known(Tensor? inputs = null)
    {
        using Tensor logits = tensor(new float[,]
        {
            { 3, 0, 0 }, { 0, 2, 0 }, { 0, 4, 0 }, { 0, 0, 1 }, { 0, 0, 5 }, { 0, 3, 0 },
        });
        using Tensor targets = tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        using Tensor losses = tensor(new float[] { 0.1f, 2.1f, 0.05f, 1.2f, 0.01f, 3.0f });
        return new ClassificationInterpretation(logits, targets, losses, new[] { "cat", "dog", "bird" }, inputs);
    }

    [Fact]
    public void The_confusion_matrix_counts_actual_against_predicted()
    {
        ClassificationInterpretation interp = Known();

        long[,] m = interp.ConfusionMatrix();

        Assert.Equal(new long[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 1, 1 } }, m);
        Assert.Equal(0.5, interp.Accuracy, 12);
        string text = interp.ConfusionMatrixText();
        Assert.Contains("cat", text);
        Assert.Equal(4, text.Split('\n').Length);
        Assert.EndsWith("0    1     1", text.Split('\n')[3].TrimEnd());
    }

    [Fact]
    public void Column_headers_are_whole_class_names()
    {
        using Tensor logits = tensor(new float[] { 2, 0, 0, 2 }, [2, 2]);
        using Tensor targets = tensor(new long[] { 0, 1 });
        using Tensor losses = tensor(new float[] { 0.1f, 0.1f });
        var interp = new ClassificationInterpretation(logits, targets, losses, new[] { "T-shirt/top", "Ankle boot" });

        string header = interp.ConfusionMatrixText().Split('\n')[0];

        Assert.Contains("T-shirt/top", header, StringComparison.Ordinal);
        Assert.Contains("Ankle boot", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Most_confused_pairs_are_the_off_diagonal_cells_largest_first()
    {
        IReadOnlyList<ConfusedPair> pairs = Known().MostConfused();

        Assert.Equal(new[] { new ConfusedPair("cat", "dog", 1), new ConfusedPair("dog", "bird", 1), new ConfusedPair("bird", "dog", 1) }, pairs);
        Assert.Empty(Known().MostConfused(minCount: 2));
    }

    [Fact]
    public void Top_losses_are_ordered_by_loss_with_actual_predicted_and_probability()
    {
        IReadOnlyList<TopLoss> top = Known().TopLosses(3);

        Assert.Equal(new long[] { 5, 1, 3 }, top.Select(t => t.Index));
        Assert.Equal(("bird", "dog"), (top[0].Actual, top[0].Predicted));
        Assert.Equal(3.0, top[0].Loss, 6);
        double expected = Math.Exp(3) / (Math.Exp(3) + 2);
        Assert.Equal(expected, top[0].Probability, 6);
    }

    [Fact]
    public void Plots_write_png_files_of_the_matrix_and_of_the_top_loss_images()
    {
        using var dir = new TempDirectory();
        using Tensor images = rand(6, 8, 8);
        ClassificationInterpretation interp = Known(images);

        string matrix = interp.PlotConfusionMatrix(Path.Combine(dir.Path, "confusion.png"));
        string grid = interp.PlotTopLosses(Path.Combine(dir.Path, "top_losses.png"), k: 4);

        foreach (string png in new[] { matrix, grid })
        {
            byte[] head = File.ReadAllBytes(png)[..8];
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }

        Assert.Throws<InvalidOperationException>(() => Known().PlotTopLosses(Path.Combine(dir.Path, "none.png")));
    }

    [Fact]
    public void FromLearner_interprets_the_validation_set_with_its_losses()
    {
        using var learn = TinyTask.Learner(validBatches: 3);
        learn.Fit(2);

        ClassificationInterpretation interp = ClassificationInterpretation.FromLearner(learn, classNames: new[] { "neg", "pos" });

        Assert.Equal((int)learn.Data.Valid.Length, interp.Count);
        Assert.Equal(learn.Validate()["accuracy"], interp.Accuracy, 6);
        Assert.Same(learn.Data.Valid.Inputs, interp.Inputs);
    }

    [Fact]
    public void Mismatched_inputs_are_rejected_with_what_and_where()
    {
        using Tensor logits = zeros(3, 2);
        using Tensor targets = tensor(new long[] { 0, 1 });
        using Tensor losses = zeros(3);
        var ex = Assert.Throws<ArgumentException>(() => new ClassificationInterpretation(logits, targets, losses));
        Assert.Contains("one entry per sample", ex.Message);
        using Tensor bad = tensor(new long[] { 0, 1, 5 });
        Assert.Throws<ArgumentException>(() => new ClassificationInterpretation(logits, bad, losses));
    }
}
