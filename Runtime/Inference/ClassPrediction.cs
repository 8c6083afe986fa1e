namespace CallbackGen.Inference;

/// <summary>One input's decoded class (<see cref="InferenceModel.PredictClasses"/>).</summary>
/// <param name="Class">The predicted class index (the arg-max of the output).</param>
/// <param name="Name">The class's name from the export, or its index as text.</param>
/// <param name="Probability">The softmax probability of the predicted class.</param>
public sealed record ClassPrediction(int Class, string Name, double Probability);
