namespace CallbackGen.Data;

/// <summary>Where Fashion-MNIST was found (see <see cref="FashionMnistData.DefaultLocation"/>).</summary>
/// <param name="Folder">The MNIST-format folder.</param>
/// <param name="IsEmbeddedSubset">True for the repository's embedded subset; false for the full dataset.</param>
/// <param name="Description">One line saying which data and where, for a program's first line of output.</param>
public sealed record FashionMnistLocation(string Folder, bool IsEmbeddedSubset, string Description);
