namespace CallbackGen;

/// <summary>
/// A training event. A callback handles an event by declaring a <c>[Callback]</c> method with the
/// event's name; see <c>docs/events.md</c> for when each event fires and what state is valid then.
/// </summary>
/// <remarks>The members and their order mirror the shared event catalogue; a test keeps them in step.</remarks>
public enum Event
{
    /// <summary>Once, before the first epoch of a fit.</summary>
    BeforeFit,
    /// <summary>At the start of every epoch.</summary>
    BeforeEpoch,
    /// <summary>Before the training phase of an epoch.</summary>
    BeforeTrain,
    /// <summary>Before each batch, training or validation; <c>Xb</c>/<c>Yb</c> are set.</summary>
    BeforeBatch,
    /// <summary>After the model's forward pass; <c>Pred</c> is set.</summary>
    AfterPred,
    /// <summary>After the loss is computed; <c>Loss</c> is set. Validation batches end here.</summary>
    AfterLoss,
    /// <summary>Before the backward pass (training only).</summary>
    BeforeBackward,
    /// <summary>After the backward pass; gradients are available.</summary>
    AfterBackward,
    /// <summary>Before the optimiser step.</summary>
    BeforeStep,
    /// <summary>After the optimiser step.</summary>
    AfterStep,
    /// <summary>At the end of each batch, training or validation.</summary>
    AfterBatch,
    /// <summary>After the training phase of an epoch.</summary>
    AfterTrain,
    /// <summary>Before the validation phase of an epoch.</summary>
    BeforeValidate,
    /// <summary>After the validation phase of an epoch.</summary>
    AfterValidate,
    /// <summary>At the end of every epoch.</summary>
    AfterEpoch,
    /// <summary>Once, at the end of a fit, also when it was cancelled.</summary>
    AfterFit,
    /// <summary>After a <see cref="CancelBatchException"/> was caught.</summary>
    AfterCancelBatch,
    /// <summary>After a <see cref="CancelTrainException"/> was caught.</summary>
    AfterCancelTrain,
    /// <summary>After a <see cref="CancelValidateException"/> was caught.</summary>
    AfterCancelValidate,
    /// <summary>After a <see cref="CancelEpochException"/> was caught.</summary>
    AfterCancelEpoch,
    /// <summary>After a <see cref="CancelFitException"/> was caught.</summary>
    AfterCancelFit,
    /// <summary>After a <see cref="CancelBackwardException"/> was caught.</summary>
    AfterCancelBackward,
    /// <summary>After a <see cref="CancelStepException"/> was caught.</summary>
    AfterCancelStep,
}
