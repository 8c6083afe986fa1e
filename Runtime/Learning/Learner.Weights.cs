namespace CallbackGen;

public sealed partial class Learner
{
    /// <summary>
    /// Saves the model's weights to <paramref name="path"/> atomically: they are written to a
    /// temporary file in the same folder, flushed to disk, then renamed over <paramref name="path"/>,
    /// so a crash never leaves a half-written file under that name.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <remarks>Weights only (see <see cref="ModelWeights"/> for the format); optimiser and callback state belong to checkpoints.</remarks>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                ModelWeights.Save(Model, stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
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
