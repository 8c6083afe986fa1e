namespace CallbackGen.Checkpoints;

/// <summary>
/// A CallbackGen file (checkpoint, weights file, export) cannot be loaded: it is not a complete file
/// of a version this build reads, a section of it is malformed or crafted (a length, a count, an
/// element type, a generator state out of range), or its content does not fit the learner (model,
/// optimiser, a callback's state). The message names the file, the section and the problem;
/// whatever was being loaded into is left unchanged. The one exception a damaged or crafted file
/// causes (docs/checkpoint-format.md, "Loading files you did not write").
/// </summary>
public sealed class CheckpointException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The whole message, naming the file.</param>
    /// <param name="path">The checkpoint file (or where the checkpoint came from).</param>
    /// <param name="inner">The failure underneath, if any.</param>
    public CheckpointException(string message, string path, Exception? inner = null)
        : this(message, path, section: null, inner)
    {
    }

    /// <summary>Creates the exception for a problem inside one section.</summary>
    /// <param name="message">The whole message, naming the file and the section.</param>
    /// <param name="path">The file (or where it came from).</param>
    /// <param name="section">The section at fault, or null for the container itself.</param>
    /// <param name="inner">The failure underneath, if any.</param>
    public CheckpointException(string message, string path, string? section, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
        Section = section;
    }

    /// <summary>The checkpoint file (or where the checkpoint came from).</summary>
    public string Path { get; }

    /// <summary>The section at fault (<c>model</c>, <c>rng</c>, <c>callback/KEY</c>, …), or null for the container (header, index, checksum).</summary>
    public string? Section { get; }
}
