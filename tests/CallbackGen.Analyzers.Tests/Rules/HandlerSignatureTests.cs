using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0003: a handler the generated dispatch cannot call as <c>Name();</c>.</summary>
public sealed class HandlerSignatureTests
{
    private const string Rule = "; a handler is a parameterless, non-generic, non-async instance method returning void";

    [Theory]
    [InlineData("private void [|AfterBatch|](int step) { }", "has parameters")]
    [InlineData("private bool [|AfterBatch|]() => true;", "returns 'bool'")]
    [InlineData("private async System.Threading.Tasks.Task [|AfterBatch|]() => await System.Threading.Tasks.Task.Yield();", "is async and returns 'Task'")]
    [InlineData("private async void [|AfterBatch|]() => await System.Threading.Tasks.Task.Yield();", "is async")]
    [InlineData("private static void [|AfterBatch|]() { }", "is static")]
    [InlineData("private void [|AfterBatch|]<T>() { }", "is generic")]
    [InlineData("private static int [|AfterBatch|](int step) => step;", "is static, has parameters and returns 'int'")]
    [InlineData("private extern void [|AfterBatch|]();", "is extern")]
    [InlineData("partial void [|AfterBatch|](); partial void AfterBatch() { }", "is a partial method")]
    public void Invalid_signature_is_an_error_saying_what_is_wrong(string method, string problem)
    {
        Verify(
            $$"""
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] {{method}}
            }
            """,
            Diagnostic("CBG0003", $"Handler 'AfterBatch' {problem}{Rule}"));
    }

    [Fact]
    public void Abstract_handler_is_an_error()
    {
        Verify(
            """
            using CallbackGen;
            public abstract partial class Meter : Callback
            {
                [Callback] protected abstract void [|AfterBatch|]();
            }
            """,
            Diagnostic("CBG0003", $"Handler 'AfterBatch' is abstract{Rule}"));
    }

    [Fact]
    public void Any_accessibility_and_virtual_handlers_are_valid()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] public void BeforeFit() { }
                [Callback] internal void BeforeEpoch() { }
                [Callback] protected virtual void AfterBatch() { }
                [Callback] private void AfterFit() { }
            }
            public partial class DerivedMeter : Meter
            {
                protected override void AfterBatch() { }
            }
            """);
    }
}
