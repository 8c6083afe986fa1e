using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Loop;

/// <summary>
/// Validation loss and accuracy accumulated on the device and read once per epoch: stands in for the
/// runtime's metrics until they land, written with [Callback] like them.
/// </summary>
internal sealed partial class StandInAccuracy : Callback
{
    private Tensor? correct;
    private Tensor? lossSum;
    private long count;

    public double Accuracy { get; private set; }

    public double ValidLoss { get; private set; }

    [Callback]
    private void BeforeValidate()
    {
        correct = zeros(1, dtype: ScalarType.Int64).DetachFromDisposeScope();
        lossSum = zeros(1).DetachFromDisposeScope();
        count = 0;
    }

    [Callback]
    private void AfterLoss()
    {
        if (Training)
        {
            return;
        }

        long n = Yb.shape[0];
        correct!.add_(Pred.argmax(1).eq(Yb).sum());
        lossSum!.add_(Loss.detach() * n);
        count += n;
    }

    [Callback]
    private void AfterValidate()
    {
        Accuracy = correct!.item<long>() / (double)count;
        ValidLoss = lossSum!.item<float>() / count;
        correct.Dispose();
        lossSum.Dispose();
    }
}
