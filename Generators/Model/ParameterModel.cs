namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// One parameter of an annealer: its type with <c>global::</c> names and nullable annotations,
    /// its (escaped) name, and its documentation text when the user wrote a <c>param</c> tag.
    /// </summary>
    internal sealed record ParameterModel(string Type, string Name, string? Documentation);
}
