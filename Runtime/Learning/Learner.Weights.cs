namespace CallbackGen;

public sealed partial class Learner
{
    /// <summary>
    /// Saves the model's weights to <paramref name="path"/> atomically (<see cref="IO.AtomicFile"/>): they
    /// are written to a temporary file in the same folder, flushed to disk, renamed over
    /// <paramref name="path"/> and the folder is flushed, so a crash never leaves a half-written file under that name.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <remarks>Weights only (see <see cref="ModelWeights"/> for the format); optimiser and callback state belong to checkpoints.</remarks>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IO.AtomicFile.Write(path, stream => ModelWeights.Save(Model, stream));
    }

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> into the model, or throws without changing it.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="InvalidDataException">
    /// The file is not a weights file, is truncated, or does not fit the model; the message names
    /// the file and the first parameter that does not fit. The model is unchanged.
    /// </exception>
    public void Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ModelWeights.Load(Model, stream, $"'{path}'");
    }
}
