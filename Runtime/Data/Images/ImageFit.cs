namespace CallbackGen.Data;

/// <summary>How an image is brought to the requested size.</summary>
public enum ImageFit
{
    /// <summary>Scale to the size, changing the aspect ratio where it differs (fastai's <c>ResizeMethod.Squish</c>).</summary>
    Squish,

    /// <summary>Cut the largest centred region of the size's aspect ratio, then scale it (fastai's <c>ResizeMethod.Crop</c> at validation).</summary>
    CenterCrop,
}
