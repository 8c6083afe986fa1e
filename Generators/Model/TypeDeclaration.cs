namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// One type as the emitter re-declares it, for example <c>partial class Outer&lt;T&gt;</c>:
    /// its keyword (<c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>)
    /// and its name with type parameters, keywords already escaped.
    /// </summary>
    internal sealed record TypeDeclaration(string Keyword, string NameWithTypeParameters);
}
