using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0002: a [Callback] method that uses the seed's (fastai v1) event name.</summary>
public sealed class SeedEventNameTests
{
    [Theory]
    [InlineData("BeginFit", "BeforeFit")]
    [InlineData("BeginEpoch", "BeforeEpoch")]
    [InlineData("BeginValidate", "BeforeValidate")]
    [InlineData("BeginBatch", "BeforeBatch")]
    public void Seed_name_is_a_warning_naming_the_v2_event(string seed, string modern)
    {
        Verify(
            $$"""
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void [|{{seed}}|]() { }
            }
            """,
            Diagnostic("CBG0002", $"'{seed}' is the fastai v1 name of '{modern}' and is never called; rename it to '{modern}'"));
    }

    [Fact]
    public void Seed_name_without_the_attribute_is_an_ordinary_method()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                private void BeginBatch() { }
                [Callback] private void BeforeBatch() => BeginBatch();
            }
            """);
    }
}
