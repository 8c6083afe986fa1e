namespace CallbackGen.Samples.OnnxServe;

/// <summary>One image's predicted class.</summary>
/// <param name="Class">The class index.</param>
/// <param name="Name">The class's name from the model's metadata (the index when it has none).</param>
/// <param name="Probability">The class's probability.</param>
public sealed record Prediction(int Class, string Name, float Probability);
