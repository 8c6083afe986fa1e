namespace CallbackGen.Checkpoints;

/// <summary>
/// A checkpoint cannot be loaded: the file is not a complete checkpoint of a version this build
/// reads, or its content does not fit the learner (model, optimiser, a callback's state). The
/// message names the file and the problem; whatever was being loaded into is left unchanged.
/// </summary>
public sealed class CheckpointException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message, naming the file.</param>
    /// <param name="path">The checkpoint file (or where the checkpoint came from).</param>
    /// <param name="inner">The failure underneath, if any.</param>
    public CheckpointException(string message, string path, Exception? inner = null)
        : base(message, inner) => Path = path;

    /// <summary>The checkpoint file (or where the checkpoint came from).</summary>
    public string Path { get; }
}
