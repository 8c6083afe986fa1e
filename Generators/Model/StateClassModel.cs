namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// Everything the emitter needs for the checkpoint state of one callback class: where it is, its
    /// [Checkpointed] members in declaration order, and every type they use (one entry per distinct type).
    /// </summary>
    internal sealed record StateClassModel(TypeContainer Container, EquatableArray<StateMemberModel> Members, EquatableArray<StateTypeModel> Types)
    {
        /// <summary>The name of the generated file.</summary>
        public string HintName => Container.HintStem + ".State.g.cs";
    }
}
