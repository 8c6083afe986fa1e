using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Clips the total L2 norm of the model's gradients to <see cref="MaxNorm"/> just before each
/// optimiser step (with <see cref="GradientAccumulation"/>, the accumulated gradient is clipped once).
/// </summary>
/// <example><code>learn.Fit(3, cbs: new[] { new GradientClip(1.0) });</code></example>
public sealed partial class GradientClip : Callback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="maxNorm">The largest total gradient norm allowed (&gt; 0).</param>
    public GradientClip(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum gradient norm must be a positive finite number.");
        }

        MaxNorm = maxNorm;
    }

    /// <summary>The largest total gradient norm allowed.</summary>
    public double MaxNorm { get; }

    [Callback]
    private void BeforeStep() => nn.utils.clip_grad_norm_(Model.parameters(), MaxNorm);
}
