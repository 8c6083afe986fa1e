namespace CallbackGen.Data;

/// <summary>The channels an image is decoded to.</summary>
public enum ImageMode
{
    /// <summary>One channel: the luma of the image (a grey image keeps its exact values).</summary>
    Grayscale,

    /// <summary>Three channels: red, green, blue (alpha is dropped).</summary>
    Rgb,
}
