using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0004: the class of a handler is not partial (nor every containing type) or not a Callback.</summary>
public sealed class CallbackClassTests
{
    private const string Why = ": the generator adds its event dispatch in a partial part";

    [Fact]
    public void Class_that_is_not_partial_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public sealed class [|Meter|] : Callback
            {
                [Callback] private void AfterBatch() { }
                [Callback] private void AfterEpoch() { }
            }
            """,
            Diagnostic("CBG0004", $"'Meter' must be partial{Why}"));
    }

    [Fact]
    public void Containing_type_that_is_not_partial_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Root
            {
                public class Outer
                {
                    public partial class [|Meter|] : Callback
                    {
                        [Callback] private void AfterBatch() { }
                    }
                }
            }
            """,
            Diagnostic("CBG0004", $"'Meter' is nested in 'Outer', which must be partial{Why}"));
    }

    [Fact]
    public void Class_and_containing_types_that_are_not_partial_are_named_together()
    {
        Verify(
            """
            using CallbackGen;
            public class Root
            {
                public class Outer
                {
                    public class [|Meter|] : Callback
                    {
                        [Callback] private void AfterBatch() { }
                    }
                }
            }
            """,
            Diagnostic("CBG0004", $"'Meter' and its containing types 'Outer' and 'Root' must be partial{Why}"));
    }

    [Fact]
    public void Class_that_does_not_derive_from_Callback_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public partial class [|Meter|]
            {
                [Callback] private void AfterBatch() { }
            }
            """,
            Diagnostic("CBG0004", "'Meter' does not derive from CallbackGen.Callback, so its [Callback] handlers are never called; derive it from Callback"));
    }

    [Fact]
    public void Class_level_attribute_on_a_class_that_is_not_a_Callback_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            [Callback(Order = 3)]
            public sealed class [|Meter|]
            {
            }
            """,
            Diagnostic("CBG0004", "'Meter' does not derive from CallbackGen.Callback, so its [Callback] handlers are never called; derive it from Callback"));
    }

    [Fact]
    public void Event_named_method_in_a_class_that_is_not_a_Callback_gives_nothing()
    {
        VerifyClean(
            """
            public sealed class Scheduler
            {
                public void AfterBatch() { }
                public void BeforeFit() { }
            }
            """);
    }

    [Fact]
    public void Indirect_Callback_subclass_nested_in_partial_types_gives_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public abstract partial class MeterBase : Callback
            {
                [Callback] private void BeforeFit() { }
            }
            public static partial class Outer
            {
                public sealed partial class Meter : MeterBase
                {
                    [Callback] private void AfterFit() { }
                }
            }
            """);
    }

    [Fact]
    public void Class_level_order_alone_needs_no_partial()
    {
        VerifyClean(
            """
            using CallbackGen;
            [Callback(Order = 3)]
            public class Meter : Callback
            {
            }
            """);
    }
}
