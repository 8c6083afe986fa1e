using System.Linq;

namespace CallbackGen.Generators
{
    public sealed partial class CallbackGenerator
    {
        /// <summary>
        /// The runtime's <c>Event</c> and <c>Phase</c> enums and the catalogue's sizes, written from the
        /// shared catalogue (Shared/EventCatalog.cs) when the runtime itself is compiled, so the runtime
        /// holds no second list to keep in step.
        /// </summary>
        internal static class CatalogEmitter
        {
            /// <summary>The MSBuild property (made visible to the compiler) that asks for these types.</summary>
            public const string Property = "build_property.CallbackGenEmitEventCatalog";

            public const string HintName = "CallbackGen.EventCatalog.Types.g.cs";

            public static string Emit()
            {
                IndentedWriter w = Emitter.Header();
                w.Open("namespace CallbackGen");

                w.Line("/// <summary>");
                w.Line("/// A training event. A callback handles an event by declaring a <c>[Callback]</c> method with the");
                w.Line("/// event's name; see <c>docs/events.md</c> for when each event fires and what state is valid then.");
                w.Line("/// </summary>");
                w.Line(Emitter.GeneratedCode);
                w.Open("public enum Event");
                for (int i = 0; i < EventCatalog.Names.Length; i++)
                {
                    w.Line($"/// <summary>{EventCatalog.Summaries[i]}</summary>");
                    w.Line($"{EventCatalog.Names[i]} = {i},");
                }

                w.Close();
                w.Line();
                w.Line("/// <summary>The nested phases of a fit; each has its Before/After events and its cancel exception.</summary>");
                w.Line(Emitter.GeneratedCode);
                w.Open("internal enum Phase");
                for (int i = 0; i < EventCatalog.Phases.Length; i++)
                {
                    w.Line($"{EventCatalog.Phases[i].Name} = {i},");
                }

                w.Close();
                w.Line();
                w.Line("/// <summary>The sizes of the event catalogue, as constants.</summary>");
                w.Line(Emitter.GeneratedCode);
                w.Open("internal static class EventCatalogSize");
                w.Line("/// <summary>The number of events.</summary>");
                w.Line($"public const int Events = {EventCatalog.Names.Length};");
                w.Line();
                w.Line("/// <summary>The number of phases.</summary>");
                w.Line($"public const int Phases = {EventCatalog.Phases.Length};");
                w.Close();
                w.Close();
                return w.ToString();
            }

            /// <summary>True when the options ask for the catalogue's types (only the runtime's project does).</summary>
            public static bool IsRequested(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider options) =>
                options.GlobalOptions.TryGetValue(Property, out string? value)
                && new[] { "true", "True" }.Contains(value);
        }
    }
}
