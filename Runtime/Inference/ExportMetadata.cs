namespace CallbackGen.Inference;

/// <summary>What an export says about its model besides the weights and the input transforms.</summary>
/// <param name="ModelName">The model's name (free text; for example the architecture).</param>
/// <param name="ModelVersion">The model's version (free text).</param>
/// <param name="ClassNames">The class names by class index; empty when the model is not a classifier or they were not given.</param>
public sealed record ExportMetadata(string ModelName, string ModelVersion, IReadOnlyList<string> ClassNames);
