using Microsoft.CodeAnalysis;

namespace CallbackGen.Generators
{
    public sealed partial class CallbackGenerator
    {
        /// <summary>
        /// The one diagnostic the generator reports (DESIGN.md §3.3). An <c>override</c> with nothing to
        /// override is compiler error CS0115, and a compilation with errors shows no analyzer
        /// diagnostics, so an analyzer could not tell the user why. Same ID, text and link as
        /// <c>DiagnosticDescriptors.OverrideStyleHandler</c> in the analyzers (a test compares them).
        /// </summary>
        public static readonly DiagnosticDescriptor OverrideStyleHandler = new DiagnosticDescriptor(
            "CBG0011",
            "Event handler declared 'override'",
            "'{0}' is declared 'override', but Callback has no virtual '{0}' to override; CallbackGen handlers are [Callback] methods: remove 'override' and add [Callback]",
            "CallbackGen",
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: "Keras and Lightning callbacks override hook methods; CallbackGen dispatches methods marked [Callback], named after the event. The compiler reports CS0115 and suppresses analyzers, so the generator reports this one.",
            helpLinkUri: "https://github.com/CallbackGen/CallbackGen/blob/main/docs/diagnostics/CBG0011.md");
    }
}
