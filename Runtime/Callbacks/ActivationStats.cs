using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// The init study's instrument: for each layer, per training batch, the mean and standard
/// deviation of its output and the fraction of outputs whose magnitude is below
/// <see cref="NearZero"/> (dead units). Forward hooks compute the numbers at once, on the device,
/// because <c>Sequential</c> disposes intermediate outputs; nothing is read back until you ask.
/// </summary>
/// <example><code>
/// var stats = new ActivationStats();
/// learn.Fit(1, cbs: new[] { stats });
/// double[] firstLayerStd = stats.Std[0];   // one value per training batch
/// </code></example>
// An instrument of one run (the init study); its hooks and histories are not resumed.
[Transient]
public sealed partial class ActivationStats : Callback, IDisposable
{
    private readonly List<Action> hooks = new();
    private readonly List<Tensor> batch = new();
    private readonly List<Tensor> history = new();
    private double[][][]? values;

    /// <summary>Creates the callback; it hooks the model's direct children.</summary>
    /// <param name="nearZero">Outputs with |x| below this count as near zero.</param>
    public ActivationStats(double nearZero = 1e-2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nearZero);
        NearZero = nearZero;
    }

    /// <summary>The magnitude under which an output counts as near zero.</summary>
    public double NearZero { get; }

    /// <summary>The hooked layers' names, in order.</summary>
    public IReadOnlyList<string> Layers { get; private set; } = Array.Empty<string>();

    /// <summary>Per layer, per training batch: the mean of the output.</summary>
    public double[][] Mean => Values[0];

    /// <summary>Per layer, per training batch: the standard deviation of the output.</summary>
    public double[][] Std => Values[1];

    /// <summary>Per layer, per training batch: the fraction of outputs with |x| &lt; <see cref="NearZero"/>.</summary>
    public double[][] NearZeroFraction => Values[2];

    [Callback]
    private void BeforeFit()
    {
        Dispose();
        var layers = new List<string>();
        foreach (var (name, child) in Model.named_children())
        {
            if (child is nn.Module<Tensor, Tensor> layer)
            {
                layers.Add(name);
                var remover = layer.register_forward_hook((_, _, output) =>
                {
                    if (Training)
                    {
                        using Tensor o = output.detach().to(ScalarType.Float32);
                        using Scalar nearZero = NearZero.ToScalar();
                        batch.Add(stack(new[] { o.mean(), o.std(), o.abs().lt(nearZero).to(ScalarType.Float32).mean() }).DetachFromDisposeScope());
                    }

                    return output;
                });
                hooks.Add(remover.remove);
            }
        }

        Layers = layers;
    }

    [Callback]
    private void AfterBatch()
    {
        if (batch.Count > 0)
        {
            history.Add(stack(batch).DetachFromDisposeScope());
            batch.ForEach(t => t.Dispose());
            batch.Clear();
        }
    }

    [Callback] private void AfterFit() => RemoveHooks();

    /// <summary>Removes the hooks however the fit ended (the recorded numbers stay readable).</summary>
    protected internal override void Teardown(Exception? error)
    {
        RemoveHooks();
        batch.ForEach(t => t.Dispose());
        batch.Clear();
    }

    /// <summary>Removes the hooks and releases the recorded tensors.</summary>
    public void Dispose()
    {
        RemoveHooks();
        history.ForEach(t => t.Dispose());
        history.Clear();
        values = null;
    }

    private void RemoveHooks()
    {
        hooks.ForEach(remove => remove());
        hooks.Clear();
    }

    private double[][][] Values => values ??= Read();

    private double[][][] Read()
    {
        using DisposeScope scope = NewDisposeScope();
        int n = history.Count, layers = Layers.Count;
        float[] all = n == 0 ? Array.Empty<float>() : stack(history).cpu().data<float>().ToArray(); // [batch, layer, 3]
        return Enumerable.Range(0, 3).Select(k =>
            Enumerable.Range(0, layers).Select(l =>
                Enumerable.Range(0, n).Select(b => (double)all[(b * layers + l) * 3 + k]).ToArray()).ToArray()).ToArray();
    }
}
