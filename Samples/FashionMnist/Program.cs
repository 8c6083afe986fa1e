using TorchSharp;
using static TorchSharp.torch;

// Placeholder main job until the samples land: proves the runtime and TorchSharp load here.
using var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
using var loss = (x * x).sum();
loss.backward();
Console.WriteLine($"CallbackGen: TorchSharp loaded; d(sum x^2)/dx = [{string.Join(", ", x.grad!.data<float>().ToArray())}]");
Console.WriteLine("The Fashion-MNIST training job is not written yet.");
