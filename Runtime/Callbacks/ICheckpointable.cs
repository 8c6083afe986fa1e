namespace CallbackGen;

/// <summary>
/// A callback (or other part of training) whose state goes into checkpoints, so that a resumed
/// run continues exactly as an uninterrupted one. Each instance writes under its own unique key.
/// </summary>
public interface ICheckpointable
{
    /// <summary>The key this state is stored under; unique among the learner's callbacks.</summary>
    string StateKey { get; }

    /// <summary>Writes the state.</summary>
    void SaveState(BinaryWriter writer);

    /// <summary>Reads state written by <see cref="SaveState"/>; throws <see cref="InvalidDataException"/> when it does not fit.</summary>
    void LoadState(BinaryReader reader);
}
