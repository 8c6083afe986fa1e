namespace CallbackGen;

/// <summary>
/// Switches the model between train and eval mode and keeps the loop counters
/// (<c>PctTrain</c>, <c>TrainIter</c>). Always attached; runs first (<see cref="CallbackOrder.TrainEval"/>).
/// </summary>
[Callback(Order = CallbackOrder.TrainEval)]
public sealed partial class TrainEvalCallback : Callback
{
    [Callback]
    private void BeforeFit()
    {
        Learn.Epoch = 0;
        Learn.TrainIter = 0;
        Learn.PctTrain = 0;
    }

    [Callback]
    private void BeforeTrain()
    {
        Learn.PctTrain = (double)Epoch / NEpoch;
        Model.train();
        Learn.Training = true;
    }

    [Callback]
    private void AfterBatch()
    {
        if (!Training)
        {
            return;
        }

        Learn.PctTrain += 1.0 / (NIter * NEpoch);
        Learn.TrainIter++;
    }

    [Callback]
    private void AfterEpoch() => Learn.ResumePoint = (Epoch + 1, 0);

    [Callback]
    private void BeforeValidate()
    {
        Model.eval();
        Learn.Training = false;
    }
}
