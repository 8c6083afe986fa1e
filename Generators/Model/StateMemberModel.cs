namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// A value that is stored: a [Checkpointed] member of the callback or a member of a stored record
    /// or struct. <see cref="Code"/> is its escaped identifier, <see cref="Name"/> the name stored with it,
    /// <see cref="Type"/> the index of its type in the class model, and <see cref="NotNull"/> says
    /// that its type is a reference type that is not nullable (a read value gets the <c>!</c> operator).
    /// </summary>
    internal sealed record StateMemberModel(string Code, string Name, int Type, bool NotNull);
}
