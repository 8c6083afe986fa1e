namespace CallbackGen.Generators.Model
{
    /// <summary>One annealer with the class it belongs to: the output of the per-method pipeline step.</summary>
    internal sealed record AnnealerModel(TypeContainer Container, AnnealerMethodModel Method);
}
