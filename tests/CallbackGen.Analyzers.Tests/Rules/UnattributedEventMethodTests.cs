using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0006: a Callback subclass's event-named method without [Callback] never runs.</summary>
public sealed class UnattributedEventMethodTests
{
    [Fact]
    public void Event_named_method_without_the_attribute_is_a_warning()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeFit() { }
                private void [|AfterBatch|]() { }
            }
            """,
            Diagnostic("CBG0006", "'AfterBatch' is named like a training event but has no [Callback] attribute, so it never runs; add [Callback] or rename it"));
    }

    [Fact]
    public void Indirect_subclass_that_is_not_partial_is_checked_too()
    {
        Verify(
            """
            using CallbackGen;
            public abstract class MeterBase : Callback { }
            public sealed class Meter : MeterBase
            {
                public bool [|AfterLoss|]() => false;
            }
            """,
            Diagnostic("CBG0006", "'AfterLoss' is named like a training event but has no [Callback] attribute, so it never runs; add [Callback] or rename it"));
    }

    [Fact]
    public void Overload_with_parameters_and_override_of_a_handler_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] protected virtual void AfterBatch() { }
                private void AfterLoss(int step) { }
            }
            public partial class LoudMeter : Meter
            {
                protected override void AfterBatch() { }
            }
            """);
    }

    [Fact]
    public void Event_named_method_outside_a_Callback_gives_nothing()
    {
        VerifyClean(
            """
            public sealed class Plot
            {
                public void AfterBatch() { }
            }
            """);
    }
}
