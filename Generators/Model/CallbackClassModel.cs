namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// Everything the emitter needs for one callback class: where it is, its handlers in catalogue
    /// order, and the class's own order (its <c>[Callback(Order = …)]</c>, else 0), which the
    /// generated BeforeFit reset of once-per-fit handlers runs at.
    /// </summary>
    internal sealed record CallbackClassModel(TypeContainer Container, EquatableArray<HandlerModel> Handlers, int ClassOrder)
    {
        /// <summary>The name of the generated file.</summary>
        public string HintName => Container.HintStem + ".Callback.g.cs";
    }
}
