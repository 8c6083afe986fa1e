namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// Where generated members go: the namespace (null for the global namespace) and the chain of
    /// types from the outermost to the one that receives the members, plus the file name stem,
    /// unique per type.
    /// </summary>
    internal sealed record TypeContainer(string? Namespace, EquatableArray<TypeDeclaration> Types, string HintStem);
}
