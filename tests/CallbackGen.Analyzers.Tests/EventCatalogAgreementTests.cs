using CallbackGen.Analyzers.Tests.Infrastructure;
using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests;

/// <summary>The analyzers' view of the events (the linked shared catalogue) agrees with the runtime's <see cref="Event"/> enum.</summary>
public sealed class EventCatalogAgreementTests
{
    [Fact]
    public void Analyzer_catalogue_lists_the_runtime_events_in_enum_order()
    {
        Assert.Equal(Enum.GetNames<Event>(), EventCatalog.Names);
    }

    [Fact]
    public void Seed_aliases_point_at_runtime_events()
    {
        foreach (string[] pair in EventCatalog.SeedAliases)
        {
            Assert.False(Enum.IsDefined(typeof(Event), pair[0]), $"{pair[0]} is a seed name, not an event");
            Assert.True(Enum.IsDefined(typeof(Event), pair[1]), $"{pair[1]} is not a runtime event");
        }
    }

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
