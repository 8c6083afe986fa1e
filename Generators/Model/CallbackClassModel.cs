namespace CallbackGen.Generators.Model
{
    /// <summary>Everything the emitter needs for one callback class: where it is and its handlers in catalogue order.</summary>
    internal sealed record CallbackClassModel(TypeContainer Container, EquatableArray<HandlerModel> Handlers)
    {
        /// <summary>The name of the generated file.</summary>
        public string HintName => Container.HintStem + ".Callback.g.cs";
    }
}
