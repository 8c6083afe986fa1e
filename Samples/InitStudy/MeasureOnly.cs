namespace CallbackGen.Samples.InitStudy;

/// <summary>
/// Turns a fit into a measurement of the initial weights: every training batch is cancelled right
/// after the forward pass (no loss, no backward, no step — <c>AfterBatch</c> still fires, which is
/// where <see cref="ActivationStats"/> records), and validation is skipped.
/// </summary>
public sealed partial class MeasureOnly : Callback
{
    [Callback] private void AfterPred() => throw new CancelBatchException();

    [Callback] private void BeforeValidate() => throw new CancelValidateException();
}
