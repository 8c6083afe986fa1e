using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Optimization;

public class StepContractTests
{
    private static void Backward(Parameter p, float target)
    {
        // loss = (p − target)²/2 per element, so the gradient is p − target.
        using Tensor loss = (p - target).pow(2).sum() / 2;
        loss.backward();
    }

    [Fact]
    public void Auto_zero_clears_the_gradients_after_each_step()
    {
        var p = new Parameter(tensor(new[] { 1.0f }));
        using var opt = Optimizer.FromTorchSharp(optim.SGD(new[] { p }, 0.1));
        opt.AutoZero = true;
        Backward(p, 0);

        opt.Step();

        Assert.Equal(0f, p.grad!.data<float>()[0]);
        Assert.Equal(0.9f, p.data<float>()[0]);
    }

    [Fact]
    public void Without_auto_zero_gradients_stay_until_zero_grad()
    {
        var p = new Parameter(tensor(new[] { 1.0f }));
        using var opt = Optimizer.FromTorchSharp(optim.SGD(new[] { p }, 0.1));
        Backward(p, 0);

        opt.Step();
        float before = p.grad!.data<float>()[0];
        opt.ZeroGrad();

        Assert.Equal(1f, before);
        Assert.Equal(0f, p.grad!.data<float>()[0]);
    }

    [Fact]
    public void Accumulation_adds_the_gradients_of_N_batches_into_one_update()
    {
        var p = new Parameter(tensor(new[] { 1.0f }));
        using var opt = Optimizer.FromTorchSharp(optim.SGD(new[] { p }, 0.1));
        opt.AccumulationSteps = 2;

        // The learner's per-batch contract: backward, Step, ZeroGrad.
        Backward(p, 0);             // grad 1
        opt.Step();
        opt.ZeroGrad();
        float afterFirst = p.data<float>()[0];
        int pending = opt.PendingSteps;
        Backward(p, -1);            // grad 1 + 2
        opt.Step();
        opt.ZeroGrad();

        Assert.Equal(1f, afterFirst);
        Assert.Equal(1, pending);
        Assert.Equal(1f - (0.1f * 3f), p.data<float>()[0], 6);
        Assert.Equal(0, opt.PendingSteps);
        Assert.Equal(0f, p.grad!.data<float>()[0]);
    }

    [Fact]
    public void Saved_state_restores_momentum_buffers_and_hyper_parameters_bit_for_bit()
    {
        var p = new Parameter(tensor(new[] { 1.0f, -1.0f }));
        using var opt = Optimizer.FromTorchSharp(optim.SGD(new[] { p }, 0.1, momentum: 0.9));
        Backward(p, 0);
        opt.Step();
        opt.ZeroGrad();
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            opt.SaveState(w);
        }

        var saved = ((SGD.State)((OptimizerHelper)((TorchSharpOptimizer)opt).Inner).state_dict().State[0]).momentum_buffer.data<float>().ToArray();
        opt.Set(Hyper.Lr, 5);
        Backward(p, 3);
        opt.Step();
        stream.Position = 0;
        using (var r = new BinaryReader(stream))
        {
            opt.LoadState(r);
        }

        var restored = ((SGD.State)((OptimizerHelper)((TorchSharpOptimizer)opt).Inner).state_dict().State[0]).momentum_buffer.data<float>().ToArray();
        Assert.Equal(saved, restored);
        Assert.Equal(0.1, opt.Get(Hyper.Lr));
    }
}
