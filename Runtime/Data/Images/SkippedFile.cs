namespace CallbackGen.Data;

/// <summary>A file an <see cref="ImageFolderDataset"/> left out (see <see cref="ImageOptions.SkipInvalid"/>).</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why it could not be used.</param>
public sealed record SkippedFile(string Path, string Reason);
