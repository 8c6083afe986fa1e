using CallbackGen.Analyzers.Tests.Infrastructure;
using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests;

/// <summary>Every event of the runtime (its enum is generated from the shared catalogue) is a handler name to the analyzers.</summary>
public sealed class EveryEventIsAHandlerNameTests
{
    public static TheoryData<string> RuntimeEvents => new(Enum.GetNames<Event>());

    [Theory]
    [MemberData(nameof(RuntimeEvents))]
    public void Every_runtime_event_is_accepted_as_a_handler_and_flagged_without_the_attribute(string name)
    {
        VerifyClean(
            $$"""
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void {{name}}() { }
            }
            """);
        Verify(
            $$"""
            using CallbackGen;
            public class Meter : Callback
            {
                private void [|{{name}}|]() { }
            }
            """,
            Diagnostic("CBG0006", $"'{name}' is named like a training event but has no [Callback] attribute, so it never runs; add [Callback] or rename it"));
    }
}
