using static TorchSharp.torch;

namespace CallbackGen.Samples.InitStudy;

/// <summary>One way of initialising the weight layers of a stack.</summary>
/// <param name="Name">The name shown in the table and the plot.</param>
/// <param name="Apply">Re-initialises one weight layer's weight and bias (null for TorchSharp's default, left as constructed).</param>
public sealed record InitScheme(string Name, Action<Tensor, Tensor?>? Apply)
{
    /// <summary>TorchSharp's (and PyTorch's) default: <c>kaiming_uniform_(a=√5)</c>, i.e. U(±1/√fan_in), and a uniform bias.</summary>
    public static InitScheme Default { get; } = new("default (a=√5)", null);

    /// <summary><c>kaiming_normal_</c> for ReLU (gain √2, fan-in), bias zero.</summary>
    public static InitScheme KaimingNormal { get; } = new("kaiming_normal_", (w, b) =>
    {
        nn.init.kaiming_normal_(w);
        b?.zero_();
    });

    /// <summary>Plain N(0, 1) weights, bias zero: the naive choice.</summary>
    public static InitScheme StandardNormal { get; } = new("N(0,1)", (w, b) =>
    {
        nn.init.normal_(w, 0, 1);
        b?.zero_();
    });

    /// <summary>The three schemes the study compares, in table order.</summary>
    public static IReadOnlyList<InitScheme> All { get; } = [Default, KaimingNormal, StandardNormal];
}
