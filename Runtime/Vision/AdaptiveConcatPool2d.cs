using static TorchSharp.torch;

namespace CallbackGen.Vision;

/// <summary>
/// fastai's <c>AdaptiveConcatPool2d</c>: adaptive max pooling and adaptive average pooling to the same
/// output size, concatenated along the channels ([N, C, H, W] → [N, 2C, size, size]), so the head sees
/// both the strongest and the average activation of each feature map.
/// </summary>
public sealed class AdaptiveConcatPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long size;

    /// <summary>Creates the layer.</summary>
    /// <param name="size">The output's height and width.</param>
    public AdaptiveConcatPool2d(long size = 1) : base(nameof(AdaptiveConcatPool2d))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        this.size = size;
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using Tensor max = nn.functional.adaptive_max_pool2d(input, [size, size]);
        using Tensor avg = nn.functional.adaptive_avg_pool2d(input, [size, size]);
        return cat([max, avg], 1);
    }
}
