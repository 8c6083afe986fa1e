// A user's first program with the CallbackGen package: an attributed callback and an annealer,
// trained for one epoch on random data. Each handler prints one line; the test reads them.
using CallbackGen;
using CallbackGen.Data;
using TorchSharp;
using static TorchSharp.torch;

manual_seed(0);
using Tensor x = randn(8, 3);
using Tensor y = randn(8, 1);
var data = new DataBunch(new DataLoader(x, y, batchSize: 4), new DataLoader(x, y, batchSize: 8));
using var model = nn.Linear(3, 1);

Schedule lr = ConsumerSchedules.Halves(0.1, 2);
using var learn = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), lr: lr(0.0), cbs: [new PrintingCallback(lr)]);
learn.Fit(1);
Console.WriteLine("done");

// The package's libtorch is CPU-only: asking the learner for CUDA must say what to do instead.
try
{
    using var gpu = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), device: Devices.Cuda());
    Console.WriteLine("learner: cuda available");
}
catch (InvalidOperationException e)
{
    Console.WriteLine("learner: " + e.Message);
}

// TorchSharp's own torch.CUDA initialises CUDA when read, and fails before any learner is made.
try
{
    Console.WriteLine("torch.CUDA: " + CUDA);
}
catch (InvalidOperationException e)
{
    Console.WriteLine("torch.CUDA: " + e.Message.Split('\n')[0]);
}

Console.WriteLine(learn.DescribeCallbacks());
