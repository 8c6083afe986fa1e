namespace CallbackGen.Data;

/// <summary>How the images of an <see cref="ImageFolderDataset"/> are decoded.</summary>
/// <example><code>
/// var options = new ImageOptions { Size = (64, 64), Mode = ImageMode.Rgb, Fit = ImageFit.CenterCrop, SkipInvalid = true };
/// </code></example>
public sealed record ImageOptions
{
    /// <summary>
    /// The size (height, width) every image is brought to; null keeps each image's own size, which then
    /// must be the same for all (a batch is one tensor).
    /// </summary>
    public (int Height, int Width)? Size { get; init; }

    /// <summary>Grayscale (one channel) or RGB (three). Default RGB.</summary>
    public ImageMode Mode { get; init; } = ImageMode.Rgb;

    /// <summary>How an image of another size is brought to <see cref="Size"/>. Default <see cref="ImageFit.Squish"/>.</summary>
    public ImageFit Fit { get; init; } = ImageFit.Squish;

    /// <summary>
    /// Leave out files that cannot be decoded (empty, corrupt, truncated, not an image) instead of failing;
    /// they are listed in <see cref="ImageFolderDataset.Skipped"/>. Checking needs a full decode of every
    /// file when the dataset is created (kept in the cache when <see cref="CacheDecoded"/> is on).
    /// </summary>
    public bool SkipInvalid { get; init; }

    /// <summary>
    /// Keep each decoded, resized image (as bytes: channels × height × width per image) after its first
    /// use, so later epochs do not decode again. Default on; turn off when the decoded images do not fit
    /// in memory (then each image is decoded once per epoch). The room for every image is reserved when the
    /// dataset is made (uninitialised, so the memory is taken as images are decoded into it): filling the
    /// cache allocates nothing on a loader thread.
    /// </summary>
    public bool CacheDecoded { get; init; } = true;

    /// <summary>The channels per pixel of <see cref="Mode"/>.</summary>
    public int Channels => Mode == ImageMode.Grayscale ? 1 : 3;
}
