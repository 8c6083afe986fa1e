using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0001: a [Callback] method whose name is not a training event.</summary>
public sealed class UnknownEventNameTests
{
    [Fact]
    public void Misspelt_event_is_an_error_that_suggests_the_nearest_event()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void [|AfterBtach|]() { }
            }
            """,
            Diagnostic("CBG0001", "'AfterBtach' is not a training event; did you mean 'AfterBatch'?"));
    }

    [Theory]
    [InlineData("after_loss", "AfterLoss")]
    [InlineData("beforefit", "BeforeFit")]
    [InlineData("AfterCancelBtch", "AfterCancelBatch")]
    [InlineData("BeforeValid", "BeforeValidate")]
    public void Suggestion_ignores_case_and_underscores(string name, string suggestion)
    {
        Verify(
            $$"""
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void [|{{name}}|]() { }
            }
            """,
            Diagnostic("CBG0001", $"'{name}' is not a training event; did you mean '{suggestion}'?"));
    }

    [Fact]
    public void Correct_handler_in_a_correct_class_gives_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            [Callback(Order = 5)]
            public sealed partial class Meter : Callback
            {
                [Callback] private void AfterBatch() { }
                [Callback(Order = -1)] protected void BeforeFit() { }
            }
            """);
    }

    [Fact]
    public void Transposition_counts_as_one_edit()
    {
        Assert.Equal(1, EventNames.Distance("AfterBtach", "AfterBatch"));
        Assert.Equal(2, EventNames.Distance("AfterBtach", "AfterBench"));
    }
}
