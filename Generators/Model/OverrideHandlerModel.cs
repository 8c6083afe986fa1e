using Microsoft.CodeAnalysis.Text;

namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// An event-named method declared <c>override</c> with nothing to override (CBG0011): its name and
    /// where it is, as plain values (a <c>Location</c> would hold the syntax tree in the pipeline).
    /// </summary>
    internal sealed record OverrideHandlerModel(string Name, string FilePath, TextSpan Span, LinePositionSpan LineSpan);
}
