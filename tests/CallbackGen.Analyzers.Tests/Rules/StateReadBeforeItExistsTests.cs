using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0009: a handler reads batch or epoch state at an event where it does not hold the current value.</summary>
public sealed class StateReadBeforeItExistsTests
{
    [Fact]
    public void Loss_read_in_BeforeBatch_names_the_event_where_it_becomes_valid()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeBatch() => System.Console.WriteLine([|Loss|]);
            }
            """,
            Diagnostic("CBG0009", "'Loss' holds the current batch's loss from AfterLoss on; in BeforeBatch it is not set yet"));
    }

    [Fact]
    public void Reads_through_Learn_in_a_lambda_and_a_local_function_count()
    {
        Verify(
            """
            using System;
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback]
                private void AfterPred()
                {
                    Func<object> late = () => [|Learn.Loss|];
                    object Grads() => [|Model.parameters().GetEnumerator().Current.grad|]!;
                    _ = late();
                    _ = Grads();
                    _ = Pred;
                }
            }
            """,
            Diagnostic("CBG0009", "'Loss' holds the current batch's loss from AfterLoss on; in AfterPred it is not set yet"),
            Diagnostic("CBG0009", "'grad' holds the current batch's gradients from AfterBackward on; in AfterPred it is not set yet"));
    }

    [Fact]
    public void Batch_state_at_fit_and_epoch_level_has_no_current_batch()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void AfterEpoch() => System.Console.WriteLine([|Xb|]);
                [Callback] private void BeforeFit() => System.Console.WriteLine([|Learn.Pred|]);
            }
            """,
            Diagnostic("CBG0009", "'Xb' holds the current batch's inputs from BeforeBatch on; in AfterEpoch there is no current batch"),
            Diagnostic("CBG0009", "'Pred' holds the current batch's predictions from AfterPred on; in BeforeFit there is no current batch"));
    }

    [Fact]
    public void Epoch_statistics_before_their_phase_ends_in_a_nested_generic_partial_class()
    {
        Verify(
            """
            using CallbackGen;
            public static partial class Outer
            {
                public partial class Meter<T> : Callback
                {
                    [Callback] private void BeforeEpoch() => System.Console.WriteLine([|Learn.ValidStats|]);
                }

                public partial class Meter<T>
                {
                    [Callback] private void AfterCancelTrain() => System.Console.WriteLine([|TrainStats|]);
                }
            }
            """,
            Diagnostic("CBG0009", "'ValidStats' holds the epoch's validation averages from AfterValidate on; in BeforeEpoch it is not set yet"),
            Diagnostic("CBG0009", "'TrainStats' holds the epoch's training averages from AfterTrain on; in AfterCancelTrain it is not set yet"));
    }

    [Fact]
    public void Reads_at_and_after_the_boundary_event_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Meter : Callback
            {
                [Callback] private void BeforeBatch() => System.Console.WriteLine(Xb.shape[0] + Yb.shape[0]);
                [Callback] private void AfterPred() => System.Console.WriteLine(Pred);
                [Callback] private void AfterLoss() => System.Console.WriteLine(Loss);
                [Callback] private void AfterBackward() => System.Console.WriteLine(Model.parameters().GetEnumerator().Current.grad);
                [Callback] private void AfterTrain() => System.Console.WriteLine(TrainStats);
                [Callback] private void AfterValidate() => System.Console.WriteLine(ValidStats);
                [Callback] private void AfterBatch() => System.Console.WriteLine(Loss);
                [Callback] private void AfterFit() => System.Console.WriteLine(Learn.TrainStats);
                private void Helper() => System.Console.WriteLine(Loss);
            }
            """);
    }
}
