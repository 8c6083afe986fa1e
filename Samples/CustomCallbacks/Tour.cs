using System.Globalization;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Samples.CustomCallbacks;

/// <summary>
/// A short tour of writing callbacks: one that stops the fit, one with orders, a user annealer in
/// a ParamScheduler, and the dispatch plan the generator's code resolves them into.
/// </summary>
public static class Tour
{
    /// <summary>Runs the tour on the seed's MLP and the first images of Fashion-MNIST.</summary>
    /// <param name="output">Where to print.</param>
    /// <param name="trainCount">Training images to use.</param>
    /// <param name="validCount">Validation images to use.</param>
    /// <param name="epochs">Epochs of the scheduled fit.</param>
    public static TourResult Run(TextWriter output, int trainCount = 2000, int validCount = 500, int epochs = 2)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(validCount, 1);
        FashionMnistLocation where = FashionMnistData.DefaultLocation();
        output.WriteLine($"data: {where.Description}; the first {trainCount:N0} / {validCount:N0} images");
        using MnistData all = MnistFolder.Load(where.Folder);
        using MnistData data = all.Take(Math.Min(trainCount, all.TrainCount), Math.Min(validCount, all.TestCount));
        manual_seed(1);
        using var shuffle = new Generator(1);
        using DataBunch bunch = data.ToDataBunch(batchSize: 64, generator: shuffle);

        // The seed's model: 784 → 50 → ReLU → 10.
        using var model = nn.Sequential(("hidden", nn.Linear(784, 50)), ("relu", nn.ReLU()), ("head", nn.Linear(50, 10)));
        var flatten = new BatchTransform(x => ((x - 0.286f) / 0.353f).view(-1, 784));
        using var learn = new Learner(model, bunch, Losses.CrossEntropy, Optimizer.Sgd(momentum: 0.9), lr: 0.1, cbs: [flatten], metrics: [Metric.Accuracy]);

        // 1. A callback that stops the fit: ask for 5 epochs, get 10 steps.
        var stop = new StopAfterIterations(10);
        learn.Fit(5, cbs: [stop]);
        output.WriteLine($"1. StopAfterIterations: the fit asked for 5 epochs and stopped after {stop.Steps} steps."
            + $" (learn.TrainIter is {learn.TrainIter}: the cancelled batch never reached AfterBatch, where TrainEval counts.)");

        // 2. and 3. Our ordered callback and our annealer in a ParamScheduler, attached for good, with a Recorder to watch.
        Schedule warmupCos = TourSchedules.WarmupCos(0.01, 0.2, 0.3);
        var recorder = new Recorder();
        learn.Add(new ParamScheduler(Hyper.Lr, warmupCos)).Add(recorder).Add(new EpochReport(output));

        // 4. The dispatch plan: every event in loop order, its handlers in call order with their Order.
        string plan = learn.DescribeCallbacks();
        output.WriteLine("2. The dispatch plan the learner resolved (learn.DescribeCallbacks()):");
        output.Write(plan);

        learn.Fit(epochs);
        IReadOnlyList<double> lrs = recorder.Lrs;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"3. WarmupCos(0.01, 0.2, 0.3) as the ParamScheduler applied it: lr {lrs[0]:0.###} at the first batch, {lrs.Max():0.###} at the peak (batch {lrs.ToList().IndexOf(lrs.Max())} of {lrs.Count}), {lrs[^1]:0.####} at the last."));
        return new TourResult(stop.Steps, learn.TrainIter, plan, lrs, learn.ValidStats!["accuracy"]);
    }
}
