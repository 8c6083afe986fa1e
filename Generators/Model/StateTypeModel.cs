namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// One stored type: how it is stored (<see cref="Kind"/>), its
    /// <c>global::</c> name without a top-level nullable annotation, the signature stored beside the
    /// value, the reader/writer method of primitives, the element type (index) of sequences and
    /// nullables, and the members of records and structs in the order they are written.
    /// </summary>
    internal sealed record StateTypeModel(
        StateTypeKind Kind,
        string TypeName,
        string Signature,
        string? Primitive,
        int Element,
        bool ElementNotNull,
        bool IsReference,
        EquatableArray<StateMemberModel> Members,
        bool ByConstructor);
}
