namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// One [Annealer] method and the factory overload to generate for it. Documentation strings are
    /// XML fragments ready to follow <c>///</c>; <see cref="OriginalCref"/> is a verbatim
    /// documentation-id cref (<c>M:…</c>) of the annealer, which needs no binding.
    /// </summary>
    internal sealed record AnnealerMethodModel(
        string Accessibility,
        string Name,
        EquatableArray<ParameterModel> LeadingParameters,
        string PositionName,
        string? Summary,
        string OriginalCref);
}
