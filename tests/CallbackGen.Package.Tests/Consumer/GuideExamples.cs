// The examples of docs/guide.md, compiled against the package by the consumer build (never run):
// if the guide's code stops compiling with the released API, the package test fails.
using CallbackGen;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

public sealed partial class PrintLoss : Callback
{
    [Transient] private double sum;      // reset at every training phase: nothing to resume
    [Transient] private int batches;

    [Callback] private void BeforeTrain() => (sum, batches) = (0, 0);

    [Callback]
    private void AfterLoss()
    {
        if (!Training) return;
        sum += Loss.item<float>();
        batches++;
    }

    [Callback] private void AfterTrain() => Console.WriteLine($"epoch {Epoch}: mean train loss {sum / batches:0.0000}");
}

[Callback(Order = 70)]
public sealed partial class Logger : Callback
{
    [Callback] private void AfterEpoch() { }
    [Callback(Order = -20)] private void BeforeFit() { }
}

public sealed partial class StopAfter(int batches) : Callback
{
    [Callback] private void AfterStep() { if (TrainIter + 1 >= batches) throw new CancelFitException(); }
}

public static partial class MySchedules
{
    [Annealer]
    public static double Step(double start, double end, double pos) => pos < 0.5 ? start : end;
}

public static class GuideExamples
{
    public static void Train()
    {
        manual_seed(0);
        using Tensor x = randn(256, 10), y = randn(256, 1), xValid = randn(64, 10), yValid = randn(64, 1);
        using var data = DataBunch.FromTensors(x, y, xValid, yValid, batchSize: 32);
        using var model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1));

        using var learn = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target),
                                      optFunc: Optimizer.Adam(), lr: 1e-2, cbs: [new PrintLoss()]);
        using var onCpu = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), device: torch.CPU);
        using var onGpu = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), device: Devices.Cuda());
        using var anywhere = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), device: Devices.Default);
        Device fromArgs = Devices.Parse("cuda:1");
        learn.Fit(3);
        Console.WriteLine(learn.DescribeCallbacks());
        learn.Fit(1, cbs: [new StopAfter(5), new Logger()]);

        Schedule s = MySchedules.Step(1e-2, 1e-3);
        double lr = s(0.75);
        Schedule[] builtIns =
        [
            Schedules.Lin(0, 1), Schedules.Cos(0, 1), Schedules.No(0, 1), Schedules.Exp(1e-3, 1), Schedules.Poly(1, 0, 2),
            Schedules.Combine([0.3, 0.7], [Schedules.Cos(0.3, 0.6), Schedules.Cos(0.6, 0.2)]),
            Schedules.CombinedCos(0.3, 1e-3, 1e-2, 1e-5), Schedules.OneCycleLr(1e-2), Schedules.OneCycleMom(),
        ];

        learn.Fit(5, cbs: [new ParamScheduler(Hyper.Lr, Schedules.CombinedCos(0.3, 1e-3, 1e-2, 1e-5))]);
        learn.FitOneCycle(5, lrMax: 1e-2);
        LrFindResult found = learn.LrFind();

        learn.Fit(10, cbs: [new SaveModel("runs/last.ckpt")]);
        learn.Fit(10, cbs: [new SaveModel("runs/best.ckpt", monitor: "valid_loss")]);
        learn.Fit(10, resumeFrom: "runs/last.ckpt", cbs: [new SaveModel("runs/last.ckpt")]);
        learn.LoadCheckpoint("runs/best.ckpt");
        Console.WriteLine($"{lr} {builtIns.Length} {found} {torch.cuda.is_available()} {torch.cuda.device_count()}");
    }
}
