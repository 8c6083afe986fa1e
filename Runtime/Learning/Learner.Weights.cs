namespace CallbackGen;

public sealed partial class Learner
{
    /// <summary>
    /// Saves the model's weights to <paramref name="path"/> atomically (<see cref="IO.AtomicFile"/>): they
    /// are written to a temporary file in the same folder, flushed to disk, renamed over
    /// <paramref name="path"/> and the folder is flushed, so a crash never leaves a half-written file under that name.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <remarks>
    /// Weights only, in the checkpoint format (see <see cref="ModelWeights"/>); optimiser and callback
    /// state belong to checkpoints.
    /// </remarks>
    public void Save(string path) => ModelWeights.Save(Model, path);

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> into the model, or throws without changing it. A
    /// checkpoint (<see cref="SaveModel"/>) or an export loads too: its model's weights.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="Checkpoints.CheckpointException">
    /// The file is not a complete weights file (empty, truncated, corrupted, foreign), or does not fit
    /// the model; the message names the file and the first tensor that does not fit, with its shape in
    /// the file and in the model. The model is unchanged.
    /// </exception>
    public void Load(string path) => ModelWeights.Load(Model, path);
}
