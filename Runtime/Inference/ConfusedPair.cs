namespace CallbackGen.Inference;

/// <summary>How often samples of one class were predicted as another (<see cref="ClassificationInterpretation.MostConfused"/>).</summary>
/// <param name="Actual">The target class's name.</param>
/// <param name="Predicted">The class it was mistaken for.</param>
/// <param name="Count">The number of such samples.</param>
public sealed record ConfusedPair(string Actual, string Predicted, long Count);
