namespace CallbackGen.Inference;

/// <summary>One layer's line of a <see cref="ModelSummary"/>.</summary>
/// <param name="Name">The layer's dotted path in the model (<c>conv1.0</c>).</param>
/// <param name="Type">The layer's type name (<c>Conv2d</c>).</param>
/// <param name="OutputShape">The shape of the layer's output for the summarised batch.</param>
/// <param name="Parameters">The number of values in the layer's own parameters.</param>
/// <param name="TrainableParameters">How many of them require gradients (the rest are frozen).</param>
public sealed record LayerSummary(string Name, string Type, long[] OutputShape, long Parameters, long TrainableParameters)
{
    /// <summary>True when the layer has parameters and every one of them trains.</summary>
    public bool Trainable => Parameters > 0 && TrainableParameters == Parameters;

    /// <summary>The output shape as text: <c>[64, 16, 14, 14]</c>.</summary>
    public string OutputShapeText => ModelSummary.ShapeText(OutputShape);
}
