using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Data;

/// <summary>
/// Visits the samples in a new random order every epoch: one <c>randperm</c> per epoch drawn on
/// the CPU from a torch <see cref="Generator"/>, so a seed gives the same orders on every device.
/// </summary>
/// <remarks>
/// <para>
/// Resuming: the order of an epoch depends only on the generator's state when the epoch's order is
/// drawn. <see cref="EpochStartState"/> is that state for the latest draw; <see cref="GetState"/>
/// is the state the next draw will start from. Restoring either with <see cref="SetState"/>
/// makes the next draw repeat the corresponding order (see <see cref="DataLoader.GetShuffleState"/>,
/// which picks the right one for a checkpoint taken during or between epochs).
/// </para>
/// <para>
/// Give the sampler its own generator (e.g. <c>new Generator(seed)</c>) when runs must be resumable:
/// with null it draws from torch's default generator, which dropout and initialisation also use.
/// </para>
/// </remarks>
public sealed class RandomSampler : Sampler
{
    // One wrapper around torch's default CPU generator, kept for the process (never disposed).
    private static readonly Lazy<Generator> DefaultGenerator = new(() => Generator.Default);

    /// <summary>Creates a sampler over <paramref name="length"/> samples.</summary>
    /// <param name="length">The number of samples.</param>
    /// <param name="generator">A CPU generator to draw from (not owned); null uses torch's default generator.</param>
    public RandomSampler(long length, Generator? generator = null)
        : base(length)
    {
        if (generator is not null && generator.device.type != DeviceType.CPU)
        {
            throw new ArgumentException($"The shuffle generator must be a CPU generator (orders are drawn on the CPU); this one is on {generator.device}.", nameof(generator));
        }

        Generator = generator;
    }

    /// <summary>The generator orders are drawn from; null: torch's default generator.</summary>
    public Generator? Generator { get; }

    /// <summary>
    /// The generator state from which the latest order was drawn (null before the first draw).
    /// Restoring it with <see cref="SetState"/> makes the next draw repeat that order.
    /// </summary>
    public byte[]? EpochStartState { get; private set; }

    private Generator Source => Generator ?? DefaultGenerator.Value;

    /// <inheritdoc/>
    public override Tensor NextEpoch()
    {
        EpochStartState = GetState();
        return randperm(Length, dtype: ScalarType.Int64, device: CPU, generator: Source);
    }

    /// <summary>The generator's current state: the next draw starts from it.</summary>
    public byte[] GetState()
    {
        using Tensor state = Source.get_state();
        return state.bytes.ToArray();
    }

    /// <summary>Restores a state from <see cref="GetState"/> or <see cref="EpochStartState"/>.</summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentException">The state does not have the size of this generator's state.</exception>
    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using (Tensor current = Source.get_state())
        {
            if (current.NumberOfElements != state.Length)
            {
                throw new ArgumentException($"A shuffle generator state has {current.NumberOfElements} bytes; this one has {state.Length}.", nameof(state));
            }
        }

        using Tensor saved = tensor(state, ScalarType.Byte);
        Source.set_state(saved);
    }
}
