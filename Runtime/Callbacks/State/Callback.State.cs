using CallbackGen.Checkpoints;

namespace CallbackGen;

public abstract partial class Callback
{
    private readonly string? stateKey;

    /// <summary>
    /// The key this callback's checkpoint state is stored under (section <c>callback/KEY</c>), unique
    /// among a learner's stateful callbacks. By default <see cref="DefaultStateKey"/>: the type's name,
    /// or for built-ins a name derived from their configuration (never from a path), so that differently
    /// configured instances attach together. Set it to tell two instances of one configuration apart.
    /// </summary>
    /// <example><code>learn.Add(new SaveModel("a.ckpt") { StateKey = "a" }).Add(new SaveModel("b.ckpt") { StateKey = "b" });</code></example>
    /// <exception cref="ArgumentException">Set to an empty or blank key.</exception>
    public string StateKey
    {
        get => stateKey ?? DefaultStateKey;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            stateKey = value;
        }
    }

    /// <summary>The key used when <see cref="StateKey"/> is not set: the type's name by default.</summary>
    protected virtual string DefaultStateKey => GetType().Name;

    /// <summary>True when this callback keeps state in checkpoints: it has [Checkpointed] members or implements <see cref="ICheckpointable"/>.</summary>
    public bool IsStateful => HasCheckpointedState || this is ICheckpointable;

    // ---- The generated state contract. The generator overrides these three members in the part it
    // ---- writes for a class with [Checkpointed] members (file <Class>.State.g.cs); do not override them by hand.

    /// <summary>Generated: true when the class has [Checkpointed] members.</summary>
    protected virtual bool HasCheckpointedState => false;

    /// <summary>Generated: writes the [Checkpointed] members (a derived class's after its base's).</summary>
    /// <param name="writer">The state writer of this callback's checkpoint section.</param>
    protected virtual void SaveCheckpointedState(StateWriter writer)
    {
    }

    /// <summary>Generated: reads the [Checkpointed] members back.</summary>
    /// <param name="reader">The state reader of this callback's checkpoint section.</param>
    protected virtual void LoadCheckpointedState(StateReader reader)
    {
    }

    /// <summary>
    /// Called just before the callback's state is written to a checkpoint: bring the
    /// [Checkpointed] members up to date here (for example, copy values still on the device).
    /// </summary>
    protected virtual void OnSavingState()
    {
    }

    /// <summary>
    /// Called after the callback's state was read from a checkpoint: rebuild here what is derived
    /// from the [Checkpointed] members and drop what the restored values made stale.
    /// </summary>
    protected virtual void OnStateLoaded()
    {
    }

    internal void SaveStateTo(StateWriter writer)
    {
        OnSavingState();
        SaveCheckpointedState(writer);
    }

    internal void LoadStateFrom(StateReader reader) => LoadCheckpointedState(reader);

    internal void StateLoaded() => OnStateLoaded();
}
