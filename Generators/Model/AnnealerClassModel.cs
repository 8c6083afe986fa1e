namespace CallbackGen.Generators.Model
{
    /// <summary>Every annealer of one static class, in ordinal order: one generated file.</summary>
    internal sealed record AnnealerClassModel(TypeContainer Container, EquatableArray<AnnealerMethodModel> Methods)
    {
        /// <summary>The name of the generated file.</summary>
        public string HintName => Container.HintStem + ".Annealers.g.cs";
    }
}
