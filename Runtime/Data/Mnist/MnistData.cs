using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// The four tensors of an MNIST-format folder: images as float32 [N, rows, columns] in [0, 1]
/// (or uint8 when loaded unscaled) and labels as int64 [N]. Owns its tensors.
/// </summary>
public sealed class MnistData : IDisposable
{
    /// <summary>Wraps four tensors (ownership passes to this object).</summary>
    /// <param name="folder">Where they came from (for messages).</param>
    /// <param name="trainImages">Training images [N, rows, columns].</param>
    /// <param name="trainLabels">Training labels [N].</param>
    /// <param name="testImages">Test images [M, rows, columns].</param>
    /// <param name="testLabels">Test labels [M].</param>
    public MnistData(string folder, Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels)
    {
        Folder = folder ?? throw new ArgumentNullException(nameof(folder));
        TrainImages = trainImages ?? throw new ArgumentNullException(nameof(trainImages));
        TrainLabels = trainLabels ?? throw new ArgumentNullException(nameof(trainLabels));
        TestImages = testImages ?? throw new ArgumentNullException(nameof(testImages));
        TestLabels = testLabels ?? throw new ArgumentNullException(nameof(testLabels));
    }

    /// <summary>The folder the files were read from.</summary>
    public string Folder { get; }

    /// <summary>Training images [N, rows, columns].</summary>
    public Tensor TrainImages { get; }

    /// <summary>Training labels [N], int64.</summary>
    public Tensor TrainLabels { get; }

    /// <summary>Test images [M, rows, columns].</summary>
    public Tensor TestImages { get; }

    /// <summary>Test labels [M], int64.</summary>
    public Tensor TestLabels { get; }

    /// <summary>The number of training samples.</summary>
    public long TrainCount => TrainLabels.shape[0];

    /// <summary>The number of test samples.</summary>
    public long TestCount => TestLabels.shape[0];

    /// <summary>
    /// The first <paramref name="trainCount"/> training and <paramref name="testCount"/> test samples
    /// (views sharing this data's storage; dispose both objects independently).
    /// </summary>
    /// <param name="trainCount">Training samples to keep, at most <see cref="TrainCount"/>.</param>
    /// <param name="testCount">Test samples to keep, at most <see cref="TestCount"/>.</param>
    public MnistData Take(long trainCount, long testCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trainCount, TrainCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(testCount, TestCount);
        return new MnistData(
            Folder,
            TrainImages.narrow(0, 0, trainCount).DetachFromDisposeScope(),
            TrainLabels.narrow(0, 0, trainCount).DetachFromDisposeScope(),
            TestImages.narrow(0, 0, testCount).DetachFromDisposeScope(),
            TestLabels.narrow(0, 0, testCount).DetachFromDisposeScope());
    }

    /// <summary>
    /// A <see cref="DataBunch"/> training on the training set (shuffled) and validating on the
    /// test set, as the lesson does. The bunch refers to these tensors (or owns device copies).
    /// </summary>
    /// <param name="batchSize">Training batch size.</param>
    /// <param name="validBatchSize">Validation batch size; default twice <paramref name="batchSize"/>.</param>
    /// <param name="generator">The CPU generator for the training order; null uses torch's default generator.</param>
    /// <param name="device">Where batches go (tensors copied there once); null: where they are.</param>
    public DataBunch ToDataBunch(int batchSize, int? validBatchSize = null, Generator? generator = null, Device? device = null) =>
        DataBunch.FromTensors(TrainImages, TrainLabels, TestImages, TestLabels, batchSize, validBatchSize, generator, device);

    /// <summary>Releases the four tensors.</summary>
    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }
}
