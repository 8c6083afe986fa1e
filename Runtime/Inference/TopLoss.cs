namespace CallbackGen.Inference;

/// <summary>One sample among a classifier's largest losses (<see cref="ClassificationInterpretation.TopLosses"/>).</summary>
/// <param name="Index">The sample's index in the loader the predictions came from.</param>
/// <param name="Actual">The target class's name.</param>
/// <param name="Predicted">The predicted class's name.</param>
/// <param name="Loss">The sample's loss.</param>
/// <param name="Probability">The probability the model gave the predicted class.</param>
public sealed record TopLoss(long Index, string Actual, string Predicted, double Loss, double Probability);
