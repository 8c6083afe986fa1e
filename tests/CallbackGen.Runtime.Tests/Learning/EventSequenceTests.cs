namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// Golden event sequences of one epoch with two training batches and one validation batch, for the
/// normal run and for each cancel exception (docs/events.md). The optimiser's own calls are logged
/// too, so "step still runs" and "no zero_grad" are part of what is asserted.
/// </summary>
public class EventSequenceTests
{
    private static readonly string[] TrainBatch =
    {
        "BeforeBatch", "AfterPred", "AfterLoss", "BeforeBackward", "AfterBackward",
        "BeforeStep", "opt.step", "AfterStep", "opt.zero_grad", "AfterBatch",
    };

    private static readonly string[] ValidBatch = { "BeforeBatch", "AfterPred", "AfterLoss", "AfterBatch" };

    private static readonly string[] Validation = Seq("BeforeValidate", ValidBatch, "AfterValidate");

    private static bool InTraining(Learner l) => l.Training;

    private static bool InValidation(Learner l) => !l.Training;

    [Fact]
    public void A_normal_run_fires_every_event_of_the_loop_in_order()
    {
        var log = Run(rec => { });

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch, TrainBatch, "AfterTrain", Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelBatch_from_AfterLoss_skips_backward_step_and_zero_grad_of_that_batch_only()
    {
        var log = Run(rec => rec.ThrowAt(Event.AfterLoss, () => new CancelBatchException(), InTraining));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain",
                "BeforeBatch", "AfterPred", "AfterLoss", "AfterCancelBatch", "AfterBatch",
                TrainBatch, "AfterTrain", Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelStep_from_BeforeStep_skips_the_step_but_zero_grad_still_runs()
    {
        var log = Run(rec => rec.ThrowAt(Event.BeforeStep, () => new CancelStepException()));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain",
                "BeforeBatch", "AfterPred", "AfterLoss", "BeforeBackward", "AfterBackward",
                "BeforeStep", "AfterCancelStep", "AfterStep", "opt.zero_grad", "AfterBatch",
                TrainBatch, "AfterTrain", Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelBackward_from_BeforeBackward_skips_backward_but_the_step_still_runs()
    {
        var log = Run(rec => rec.ThrowAt(Event.BeforeBackward, () => new CancelBackwardException()));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain",
                "BeforeBatch", "AfterPred", "AfterLoss", "BeforeBackward", "AfterCancelBackward", "AfterBackward",
                "BeforeStep", "opt.step", "AfterStep", "opt.zero_grad", "AfterBatch",
                TrainBatch, "AfterTrain", Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelTrain_from_the_first_AfterBatch_ends_training_and_validation_still_runs()
    {
        var log = Run(rec => rec.ThrowAt(Event.AfterBatch, () => new CancelTrainException(), InTraining));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch, "AfterCancelTrain", "AfterTrain",
                Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelValidate_from_a_validation_BeforeBatch_ends_validation_without_AfterBatch()
    {
        var log = Run(rec => rec.ThrowAt(Event.BeforeBatch, () => new CancelValidateException(), InValidation));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch, TrainBatch, "AfterTrain",
                "BeforeValidate", "BeforeBatch", "AfterCancelValidate", "AfterValidate", "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelEpoch_from_AfterTrain_skips_that_epochs_validation()
    {
        var log = Run(rec => rec.ThrowAt(Event.AfterTrain, () => new CancelEpochException()));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch, TrainBatch, "AfterTrain",
                "AfterCancelEpoch", "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelEpoch_in_the_first_of_two_epochs_lets_the_second_run_in_full()
    {
        var log = Run(rec => rec.ThrowAt(Event.BeforeTrain, () => new CancelEpochException()), epochs: 2);

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", "AfterCancelEpoch", "AfterEpoch",
                "BeforeEpoch", "BeforeTrain", TrainBatch, TrainBatch, "AfterTrain", Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelFit_from_AfterStep_ends_the_fit_at_once_with_AfterCancelFit_and_AfterFit()
    {
        var log = Run(rec => rec.ThrowAt(Event.AfterStep, () => new CancelFitException()));

        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain",
                "BeforeBatch", "AfterPred", "AfterLoss", "BeforeBackward", "AfterBackward",
                "BeforeStep", "opt.step", "AfterStep", "AfterCancelFit", "AfterFit"),
            log);
    }

    [Fact]
    public void CancelBatch_from_AfterBatch_is_a_usage_error_naming_the_event_and_the_callback()
    {
        var log = new List<string>();
        var rec = new RecordingCallback(log).ThrowAt(Event.AfterBatch, () => new CancelBatchException());
        var learn = TinyTask.Learner(log);

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { rec }));

        Assert.Contains("AfterBatch", ex.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(RecordingCallback).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("CancelBatchException", ex.Message, StringComparison.Ordinal);
        Assert.IsType<CancelBatchException>(ex.InnerException);
        Assert.Equal(Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch), log);
        Assert.False(rec.IsAttached);
    }

    [Fact]
    public void A_cancel_from_an_AfterCancel_event_of_its_own_kind_is_a_usage_error()
    {
        var log = new List<string>();
        var rec = new RecordingCallback(log)
            .ThrowAt(Event.BeforeEpoch, () => new CancelEpochException())
            .ThrowAt(Event.AfterCancelEpoch, () => new CancelEpochException());
        var learn = TinyTask.Learner(log);

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: new[] { rec }));

        Assert.Contains("AfterCancelEpoch", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "BeforeFit", "BeforeEpoch", "AfterCancelEpoch" }, log);
    }

    [Fact]
    public void A_cancel_thrown_by_the_loss_function_where_its_phase_is_closed_is_a_usage_error()
    {
        var learn = new Learner(TinyTask.Model(), TinyTask.Data(), (p, t) =>
            p.requires_grad ? Losses.CrossEntropy(p, t) : throw new CancelTrainException());

        var ex = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));

        Assert.Contains("CancelTrainException was thrown outside any callback handler", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Detaching_a_callback_in_the_middle_of_a_fit_keeps_the_open_cancel_scopes()
    {
        var log = new List<string>();
        var leaver = new SelfRemoving();
        // The train scope was opened before the removal; its cancel must still be caught by it.
        var rec = new RecordingCallback(log).ThrowAt(Event.BeforeBatch, () => new CancelTrainException(), l => l.Training && l.Iter == 1);
        var learn = TinyTask.Learner(log, cbs: new Callback[] { leaver, rec });

        learn.Fit(1);

        Assert.False(leaver.IsAttached);
        Assert.Equal(
            Seq("BeforeFit", "BeforeEpoch", "BeforeTrain", TrainBatch, "BeforeBatch", "AfterCancelTrain", "AfterTrain",
                Validation, "AfterEpoch", "AfterFit"),
            log);
    }

    private static List<string> Run(Action<RecordingCallback> arm, int epochs = 1)
    {
        var log = new List<string>();
        var rec = new RecordingCallback(log);
        arm(rec);
        var learn = TinyTask.Learner(log);
        learn.Fit(epochs, cbs: new[] { rec });
        return log;
    }

    /// <summary>Flattens strings and string arrays into one expected sequence.</summary>
    private static string[] Seq(params object[] parts) =>
        parts.SelectMany(p => p as string[] ?? new[] { (string)p }).ToArray();
}

/// <summary>Detaches itself after the first training batch.</summary>
internal sealed partial class SelfRemoving : Callback
{
    [Callback]
    private void AfterBatch() => Learn.Remove(this);
}
