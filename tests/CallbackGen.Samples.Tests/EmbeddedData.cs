using CallbackGen.Data;

namespace CallbackGen.Samples.Tests;

/// <summary>The embedded subset, as the samples ship it beside their binaries.</summary>
internal static class EmbeddedData
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, FashionMnistData.EmbeddedSubsetFolderName);
}
