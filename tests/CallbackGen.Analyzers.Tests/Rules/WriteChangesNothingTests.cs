using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0012: a handler writes batch state where the loop never uses the written value.</summary>
public sealed class WriteChangesNothingTests
{
    [Fact]
    public void Writes_after_the_value_was_used_are_warnings_also_through_Learn_and_in_a_lambda()
    {
        Verify(
            """
            using System;
            using CallbackGen;
            using TorchSharp;
            public partial class Meter : Callback
            {
                private readonly Scalar two = 2.ToScalar();
                [Callback] private void AfterBatch() => [|Xb|] = Xb.mul(two);
                [Callback] private void AfterLoss() => [|Learn.Pred|] = Pred;
                [Callback]
                private void AfterStep()
                {
                    Action scale = () => [|Loss|] = Loss.mul(two);
                    scale();
                }
            }
            """,
            Diagnostic("CBG0012", "Writing 'Xb' in AfterBatch changes nothing: the loop uses a new 'Xb' only when it is written in BeforeBatch"),
            Diagnostic("CBG0012", "Writing 'Pred' in AfterLoss changes nothing: the loop uses a new 'Pred' only when it is written in AfterPred"),
            Diagnostic("CBG0012", "Writing 'Loss' in AfterStep changes nothing: the loop uses a new 'Loss' only when it is written in AfterLoss, BeforeBackward or AfterBackward"));
    }

    [Fact]
    public void Writes_where_the_loop_reads_them_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            using TorchSharp;
            public partial class Meter : Callback
            {
                private readonly Scalar two = 2.ToScalar();
                [Callback] private void BeforeBatch() { Xb = Xb.mul(two); Learn.Yb = Yb; }
                [Callback] private void AfterPred() => Pred = Pred.mul(two);
                [Callback] private void AfterLoss() => Loss = Loss.mul(two);
                [Callback] private void BeforeBackward() => Loss = Loss.div(two);
            }
            """);
    }
}
