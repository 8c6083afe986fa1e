using CallbackGen.Inference;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Normalises each batch's inputs with per-channel statistics, on the device, in <c>BeforeBatch</c>:
/// <c>(x − mean) / std</c> along dimension 1 (channels of [N, C, …] images, columns of [N, C] tables).
/// With one channel the statistics apply to the whole input, whatever its shape.
/// </summary>
/// <remarks>
/// The statistics are plain numbers (<see cref="Mean"/>, <see cref="Std"/>), computed from the training
/// split only (<see cref="ImageFolderDataset.ComputeStats"/>), so inference can normalise the same way.
/// </remarks>
/// <example><code>
/// var normalize = new Normalize(new ChannelStats([0.2860f], [0.3530f]));
/// learn.Fit(1, cbs: [normalize]);
/// </code></example>
public sealed partial class Normalize : Callback, IExportableTransform
{
    private readonly float[] mean;
    private readonly float[] std;

    /// <summary>Creates the transform.</summary>
    /// <param name="stats">The training set's per-channel statistics.</param>
    public Normalize(ChannelStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        Stats = stats;
        mean = stats.Mean.ToArray();
        std = stats.Std.ToArray();
    }

    /// <summary>The statistics this transform applies.</summary>
    public ChannelStats Stats { get; }

    /// <summary>The mean of each channel.</summary>
    public IReadOnlyList<float> Mean => Stats.Mean;

    /// <summary>The standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std => Stats.Std;

    /// <summary>Normalises <paramref name="x"/> (a batch, channels on dimension 1); the result is a new tensor in the caller's dispose scope.</summary>
    /// <param name="x">The inputs.</param>
    /// <exception cref="ArgumentException">The batch's dimension 1 does not have one entry per channel.</exception>
    public Tensor Apply(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (mean.Length == 1)
        {
            using var held = new HeldScalars();
            return x.sub(held.Of(mean[0])).div_(held.Of(std[0]));
        }

        if (x.Dimensions < 2 || x.shape[1] != mean.Length)
        {
            throw new ArgumentException(
                $"Normalize has statistics for {mean.Length} channels but the batch's shape is [{string.Join(", ", x.shape)}]: dimension 1 must have {mean.Length} entries.", nameof(x));
        }

        long[] shape = new long[x.Dimensions];
        Array.Fill(shape, 1L);
        shape[1] = mean.Length;
        using Tensor m = tensor(mean, shape, device: x.device);
        using Tensor s = tensor(std, shape, device: x.device);
        return (x - m) / s;
    }

    /// <summary>The statistics as an export step (see <see cref="Learner.Export"/>): one value for the whole input, or one per channel on dimension 1.</summary>
    public IReadOnlyList<ExportedTransform>? ExportTransforms() => mean.Length == 1
        ? [ExportedTransform.ForNormalize(tensor(mean[0]), tensor(std[0]))]
        : [ExportedTransform.ForChannelNormalize(mean, std)];

    [Callback]
    private void BeforeBatch() => Xb = Apply(Xb);
}
