namespace CallbackGen.Samples.InitStudy;

/// <summary>The mean and standard deviation of one layer's output over the batch.</summary>
/// <param name="Layer">The layer's name (<c>linear3</c>, <c>relu3</c>, …).</param>
/// <param name="Mean">The mean of its output.</param>
/// <param name="Std">The standard deviation of its output.</param>
public sealed record LayerStats(string Layer, double Mean, double Std)
{
    /// <summary>True for a weight layer (linear or convolution), false for a ReLU.</summary>
    public bool IsWeightLayer => !Layer.StartsWith("relu", StringComparison.Ordinal);
}

/// <summary>One initialisation of one stack, measured.</summary>
/// <param name="Scheme">The initialisation's name.</param>
/// <param name="Layers">Every layer's statistics, input to output.</param>
public sealed record SchemeStats(string Scheme, IReadOnlyList<LayerStats> Layers)
{
    /// <summary>The standard deviation after each weight layer, by depth.</summary>
    public IReadOnlyList<double> WeightLayerStds => Layers.Where(l => l.IsWeightLayer).Select(l => l.Std).ToArray();

    /// <summary>
    /// How far the weight layers' outputs drift from std 1, as the mean of |ln std| (0 when every
    /// std is exactly 1; shrinking by 10× and growing by 10× count the same).
    /// </summary>
    public double DistanceFromUnitStd => WeightLayerStds.Average(s => Math.Abs(Math.Log(s)));
}

/// <summary>The study of one stack: every scheme, and which kept the std nearest 1.</summary>
/// <param name="Stack"><c>linear</c> or <c>conv</c>.</param>
/// <param name="Schemes">Each scheme's measurements, in <see cref="InitScheme.All"/> order.</param>
public sealed record StackStudy(string Stack, IReadOnlyList<SchemeStats> Schemes)
{
    /// <summary>The scheme whose weight layers' std stayed nearest 1 (smallest <see cref="SchemeStats.DistanceFromUnitStd"/>).</summary>
    public SchemeStats Best => Schemes.MinBy(s => s.DistanceFromUnitStd)!;
}

/// <summary>Everything the study measured and wrote.</summary>
/// <param name="Stacks">One study per stack.</param>
/// <param name="Conclusion">The conclusion line, built from the measurements.</param>
/// <param name="Plot">The PNG of std by depth.</param>
public sealed record StudyResult(IReadOnlyList<StackStudy> Stacks, string Conclusion, string Plot);
