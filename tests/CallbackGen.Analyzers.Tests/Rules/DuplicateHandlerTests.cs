using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0005: two handlers for one event in one class.</summary>
public sealed class DuplicateHandlerTests
{
    [Fact]
    public void Second_handler_for_an_event_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
                [Callback] private void [|[|AfterBatch|]|](int step) { }
            }
            """,
            Diagnostic("CBG0003", "Handler 'AfterBatch' has parameters; a handler is a parameterless, non-generic, non-async instance method returning void"),
            Diagnostic("CBG0005", "'Meter' already has a handler for 'AfterBatch'; a class has at most one handler per event"));
    }

    [Fact]
    public void Seed_name_beside_its_v2_name_is_a_second_handler()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeBatch() { }
                [Callback] private void [|[|BeginBatch|]|]() { }
            }
            """,
            Diagnostic("CBG0002", "'BeginBatch' is the fastai v1 name of 'BeforeBatch' and is never called; rename it to 'BeforeBatch'"),
            Diagnostic("CBG0005", "'Meter' already has a handler for 'BeforeBatch'; a class has at most one handler per event"));
    }

    [Fact]
    public void Same_event_in_a_base_and_a_derived_class_gives_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
            }
            public sealed partial class LoudMeter : Meter
            {
                [Callback] private void AfterBatch() { }
            }
            """);
    }

    [Fact]
    public void Handlers_for_different_events_across_partial_parts_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
            }
            public partial class Meter
            {
                [Callback] private void AfterEpoch() { }
            }
            """);
    }
}
