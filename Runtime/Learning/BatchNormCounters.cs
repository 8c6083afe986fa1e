using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Advances the <c>num_batches_tracked</c> counters of a model's BatchNorm layers for a training
/// forward with held Scalars, and hides each counter from TorchSharp's own forward for the length of
/// the call. TorchSharp 0.107's <c>BatchNorm.forward</c> increments it with <c>add_(1)</c>, two
/// implicit Scalars per layer and batch that another thread's garbage collection can free while
/// libtorch reads them (docs/data.md). With the counter hidden, TorchSharp uses
/// <c>momentum</c> as the averaging factor, so for <c>momentum: null</c> (a cumulative average) the
/// factor 1/n is set for the call and restored after it. The counter's value, the state dictionary,
/// checkpoints and exports are those TorchSharp's own forward would have produced.
/// </summary>
internal sealed class BatchNormCounters : IDisposable
{
    private readonly BatchNorm[] layers;
    private readonly Tensor?[] hidden;
    private readonly bool[] cumulative;
    private readonly Scalar one = 1L.ToScalar();
    private int entered;

    private BatchNormCounters(BatchNorm[] layers)
    {
        this.layers = layers;
        hidden = new Tensor?[layers.Length];
        cumulative = new bool[layers.Length];
    }

    /// <summary>The BatchNorm layers (1d, 2d, 3d and subclasses) of <paramref name="model"/>.</summary>
    public static BatchNormCounters Of(nn.Module model) =>
        new(model.modules().OfType<BatchNorm>().ToArray());

    /// <summary>True when the model has no BatchNorm layer (nothing to do).</summary>
    public bool IsEmpty => layers.Length == 0;

    /// <summary>
    /// Before a forward: advances the counter of every layer in training mode that tracks running
    /// statistics, and hides it from TorchSharp's forward until <see cref="Exit"/>.
    /// </summary>
    public void Enter()
    {
        for (int i = 0; i < layers.Length; i++)
        {
            BatchNorm bn = layers[i];
            ref Tensor? counter = ref Counter(bn);
            if (!bn.training || !bn.track_running_stats || counter is null)
            {
                continue;
            }

            counter.add_(one, one);
            if (bn.momentum is null)
            {
                // TorchSharp's forward reads the counter for the cumulative average's factor: 1/n.
                bn.momentum = 1.0 / counter.item<long>();
                cumulative[i] = true;
            }

            hidden[i] = counter;
            counter = null;
            entered++;
        }
    }

    /// <summary>After the forward (also when it threw): puts every hidden counter back.</summary>
    public void Exit()
    {
        if (entered == 0)
        {
            return;
        }

        for (int i = 0; i < layers.Length; i++)
        {
            if (hidden[i] is null)
            {
                continue;
            }

            Counter(layers[i]) = hidden[i];
            hidden[i] = null;
            if (cumulative[i])
            {
                layers[i].momentum = null;
                cumulative[i] = false;
            }
        }

        entered = 0;
    }

    public void Dispose()
    {
        Exit();
        one.Dispose();
    }

    // NormBase keeps the counter in a private field; its public setter would dispose the tensor.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_num_batches_tracked")]
    private static extern ref Tensor? Counter(NormBase module);
}
