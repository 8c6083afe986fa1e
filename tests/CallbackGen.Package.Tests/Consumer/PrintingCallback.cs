using System.Globalization;
using CallbackGen;

/// <summary>Prints every handler call, in the order the learner makes them.</summary>
public sealed partial class PrintingCallback(Schedule lr) : Callback
{
    [Callback] private void BeforeFit() => Console.WriteLine($"BeforeFit epochs={NEpoch}");

    [Callback] private void BeforeEpoch() => Console.WriteLine($"BeforeEpoch {Epoch}");

    [Callback] private void BeforeTrain() => Console.WriteLine($"BeforeTrain training={Training}");

    // The schedule is read at the fit's position: the annealer's partial application at work.
    [Callback] private void BeforeBatch() => Console.WriteLine($"BeforeBatch {Phase} {Iter}/{NIter} lr={lr(PctTrain).ToString("0.###", CultureInfo.InvariantCulture)}");

    [Callback] private void AfterLoss() => Console.WriteLine($"AfterLoss {Phase} finite={float.IsFinite(Loss.item<float>())}");

    [Callback] private void AfterBackward() => Console.WriteLine($"AfterBackward grad={Model.parameters().All(p => p.grad is not null)}");

    [Callback] private void AfterStep() => Console.WriteLine("AfterStep");

    [Callback] private void AfterBatch() => Console.WriteLine($"AfterBatch {Phase}");

    [Callback] private void AfterTrain() => Console.WriteLine("AfterTrain");

    [Callback] private void BeforeValidate() => Console.WriteLine($"BeforeValidate training={Training}");

    [Callback] private void AfterValidate() => Console.WriteLine("AfterValidate");

    [Callback] private void AfterEpoch() => Console.WriteLine($"AfterEpoch {Epoch}");

    [Callback(Order = 100)] private void AfterFit() => Console.WriteLine("AfterFit");

    private string Phase => Training ? "train" : "valid";
}
