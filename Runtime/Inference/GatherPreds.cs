using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// The callback a prediction run (<see cref="Learner.GetPreds"/>, <see cref="Learner.Predict(Tensor)"/>,
/// <see cref="Learner.Summary"/>) attaches for that run only: after every other <c>AfterPred</c>
/// handler (<see cref="CallbackOrder.GatherPreds"/>), it hands the batch's inputs, predictions and targets to the caller.
/// </summary>
[Callback(Order = CallbackOrder.GatherPreds)]
internal sealed partial class GatherPreds(Action<Tensor, Tensor, Tensor> gather) : Callback
{
    [Callback]
    private void AfterPred() => gather(Xb, Pred, Yb);
}
