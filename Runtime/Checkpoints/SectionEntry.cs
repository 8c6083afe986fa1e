namespace CallbackGen.Checkpoints;

/// <summary>One entry of a checkpoint file's index: a section's name and where its payload lies.</summary>
/// <param name="Name">The section's name.</param>
/// <param name="Offset">The payload's first byte, from the file's start.</param>
/// <param name="Length">The payload's length in bytes.</param>
internal sealed record SectionEntry(string Name, long Offset, long Length);
