namespace CallbackGen.Generators.Model
{
    /// <summary>A containing type as the emitter re-declares it: "partial class Outer&lt;T&gt;".</summary>
    internal sealed record TypeDeclaration(string Keyword, string NameWithTypeParameters);

    /// <summary>One [Callback] handler: the event's ordinal, its order, its Every filter.</summary>
    internal sealed record HandlerModel(string MethodName, int EventIndex, int Order, int Every);

    /// <summary>Everything the emitter needs for one callback class; no symbols or syntax.</summary>
    internal sealed record CallbackClassModel(
        string? Namespace,
        EquatableArray<TypeDeclaration> ContainingTypes,
        TypeDeclaration Type,
        string HintName,
        EquatableArray<HandlerModel> Handlers);

    /// <summary>One parameter of an annealer: its type as written with global:: names, and its name.</summary>
    internal sealed record ParameterModel(string Type, string Name);

    /// <summary>One [Annealer] method and the overload to generate for it.</summary>
    internal sealed record AnnealerModel(
        string? Namespace,
        EquatableArray<TypeDeclaration> ContainingTypes,
        string HintName,
        string Accessibility,
        string MethodName,
        EquatableArray<ParameterModel> LeadingParameters,
        string PositionParameterName,
        string? Documentation);
}
