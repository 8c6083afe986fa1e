using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Optimization;

/// <summary>
/// CallbackGen's optimisers against TorchSharp's (which follow PyTorch's formulas) over 100 steps on
/// fixed gradients: two parameter groups with different learning rates and weight decays, equal
/// within 1e-6 relative; state saved mid-way and loaded into a fresh optimiser continues identically.
/// </summary>
public class OptimizerParityTests(ITestOutputHelper output)
{
    private const int Steps = 100;
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Kinds => new()
    {
        "sgd", "sgd-momentum", "sgd-dampening", "sgd-nesterov", "adam", "adamw", "rmsprop", "rmsprop-momentum-centered",
    };

    private static (Optimizer Ours, Optimizer Theirs) Create(string kind, Parameter[] ours, Parameter[] theirs)
    {
        ParameterSplitter split = _ => new[] { ours[..1], ours[1..] };
        var module = nn.Linear(1, 1);
        (Optimizer o, Optimizer t) pair = kind switch
        {
            "sgd" => (Optimizer.Sgd(weightDecay: 0.01, groups: split)(module, 0.1),
                Optimizer.FromTorchSharp(optim.SGD(Groups(theirs, ps => new SGD.ParamGroup { Parameters = ps }), 0.1, weight_decay: 0.01))),
            "sgd-momentum" => (Optimizer.Sgd(momentum: 0.9, weightDecay: 0.01, groups: split)(module, 0.1),
                Optimizer.FromTorchSharp(optim.SGD(Groups(theirs, ps => new SGD.ParamGroup { Parameters = ps }), 0.1, momentum: 0.9, weight_decay: 0.01))),
            "sgd-dampening" => (Optimizer.Sgd(momentum: 0.8, weightDecay: 0.001, dampening: 0.3, groups: split)(module, 0.05),
                Optimizer.FromTorchSharp(optim.SGD(Groups(theirs, ps => new SGD.ParamGroup { Parameters = ps }), 0.05, momentum: 0.8, dampening: 0.3, weight_decay: 0.001))),
            "sgd-nesterov" => (Optimizer.Sgd(momentum: 0.9, weightDecay: 0.01, nesterov: true, groups: split)(module, 0.05),
                Optimizer.FromTorchSharp(optim.SGD(Groups(theirs, ps => new SGD.ParamGroup { Parameters = ps }), 0.05, momentum: 0.9, weight_decay: 0.01, nesterov: true))),
            "adam" => (Optimizer.Adam(0.9, 0.99, 1e-5, weightDecay: 0.01, groups: split)(module, 1e-2),
                Optimizer.FromTorchSharp(optim.Adam(Groups(theirs, ps => new Adam.ParamGroup { Parameters = ps }), 1e-2, 0.9, 0.99, 1e-5, weight_decay: 0.01))),
            "adamw" => (Optimizer.AdamW(0.9, 0.99, 1e-5, weightDecay: 0.01, groups: split)(module, 1e-2),
                Optimizer.FromTorchSharp(optim.AdamW(Groups(theirs, ps => new AdamW.ParamGroup { Parameters = ps }), 1e-2, 0.9, 0.99, 1e-5, weight_decay: 0.01))),
            "rmsprop" => (Optimizer.RmsProp(0.99, 1e-8, weightDecay: 0.01, groups: split)(module, 1e-2),
                Optimizer.FromTorchSharp(optim.RMSProp(Groups(theirs, ps => new RMSProp.ParamGroup { Parameters = ps }), 1e-2, 0.99, 1e-8, weight_decay: 0.01))),
            _ => (Optimizer.RmsProp(0.9, 1e-6, momentum: 0.8, weightDecay: 0.01, centered: true, groups: split)(module, 1e-2),
                Optimizer.FromTorchSharp(optim.RMSProp(Groups(theirs, ps => new RMSProp.ParamGroup { Parameters = ps }), 1e-2, 0.9, 1e-6, weight_decay: 0.01, momentum: 0.8, centered: true))),
        };

        // Group 1 differs from group 0 in learning rate and weight decay.
        foreach (Optimizer opt in new[] { pair.o, pair.t })
        {
            opt.Set(Hyper.Lr, opt.Get(Hyper.Lr, 1) * 0.3, group: 1);
            opt.Set(Hyper.Wd, 0.05, group: 1);
        }

        return pair;
    }

    private static IEnumerable<T> Groups<T>(Parameter[] ps, Func<Parameter[], T> group) => new[] { group(ps[..1]), group(ps[1..]) };

    private static Parameter[] Parameters()
    {
        Generator g = new Generator(7);
        return new[] { new Parameter(randn(new long[] { 4, 3 }, generator: g)), new Parameter(randn(new long[] { 5 }, generator: g)), new Parameter(randn(new long[] { 2, 2 }, generator: g)) };
    }

    private static Parameter[] Clone(Parameter[] ps) => ps.Select(p => new Parameter(p.detach().clone())).ToArray();

    /// <summary>Sets each gradient to a fixed random tensor for step <paramref name="step"/> (the same for every optimiser).</summary>
    private static void Backward(Parameter[] ps, int step)
    {
        using DisposeScope scope = NewDisposeScope();
        Generator g = new Generator((ulong)(1000 + step));
        foreach (Parameter p in ps)
        {
            Tensor target = randn(p.shape, generator: g);
            (p * target).sum().backward();
        }
    }

    private static void Run(Optimizer opt, Parameter[] ps, int from, int to)
    {
        for (int step = from; step < to; step++)
        {
            opt.ZeroGrad();
            Backward(ps, step);
            opt.Step();
        }
    }

    private static double MaxRelativeDifference(Parameter[] a, Parameter[] b)
    {
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            float[] x = a[i].data<float>().ToArray(), y = b[i].data<float>().ToArray();
            for (int j = 0; j < x.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(x[j] - y[j]) / Math.Max(Math.Abs(y[j]), 1e-3));
            }
        }

        return worst;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Hundred_steps_equal_TorchSharps_optimiser(string kind)
    {
        Parameter[] ours = Parameters(), theirs = Clone(ours), start = Clone(ours);
        var (o, t) = Create(kind, ours, theirs);
        using (o)
        using (t)
        {
            Run(o, ours, 0, Steps);
            Run(t, theirs, 0, Steps);
        }

        double diff = MaxRelativeDifference(ours, theirs);
        output.WriteLine($"{kind}: max relative difference after {Steps} steps {diff:E2}; moved {MaxRelativeDifference(ours, start):E2}");
        Assert.True(diff <= Tolerance, $"{kind}: the weights differ by {diff:E2} relative after {Steps} steps.");
        Assert.True(MaxRelativeDifference(ours, start) > 1e-2, "The optimiser did not move the weights.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void State_saved_at_step_50_continues_in_a_fresh_optimiser_bit_for_bit(string kind)
    {
        Parameter[] straight = Parameters(), resumed = Clone(straight), reference = Clone(straight);
        var (o, t) = Create(kind, straight, reference);
        byte[] state;
        using (o)
        using (t)
        {
            Run(o, straight, 0, Steps / 2);
            using (var ms = new MemoryStream())
            {
                using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    o.SaveState(w);
                }

                state = ms.ToArray();
            }

            Run(o, straight, Steps / 2, Steps);
            Run(t, reference, 0, Steps);
        }

        // A fresh optimiser over copies of the step-50 weights, configured differently, then loaded.
        Parameter[] half = Parameters();
        var (fresh, unused) = Create(kind, half, Clone(half));
        unused.Dispose();
        using (fresh)
        {
            Run(fresh, half, 0, Steps / 2);
            resumed = Clone(half);
        }

        var (loaded, unused2) = Create(kind, resumed, Clone(resumed));
        unused2.Dispose();
        using (loaded)
        {
            loaded.Set(Hyper.Lr, 123);
            using (var r = new BinaryReader(new MemoryStream(state)))
            {
                loaded.LoadState(r);
            }

            Run(loaded, resumed, Steps / 2, Steps);
        }

        for (int i = 0; i < straight.Length; i++)
        {
            Assert.Equal(straight[i].data<float>().ToArray(), resumed[i].data<float>().ToArray());
        }

        Assert.True(MaxRelativeDifference(straight, reference) <= Tolerance);
    }

    [Fact]
    public void State_is_plain_named_tensors_per_parameter_with_a_step_count()
    {
        Parameter[] ps = Parameters();
        using var adamw = (ParameterOptimizer)Optimizer.AdamW()(nn.Linear(1, 1), 0.1);
        using var own = (ParameterOptimizer)Optimizer.AdamW(groups: _ => new[] { ps })(nn.Linear(1, 1), 0.1);
        Run(own, ps, 0, 3);

        ParameterState s = own.Groups[0].States[1];
        Assert.Equal(3, s.Step);
        Assert.Equal(new[] { "exp_avg", "exp_avg_sq" }, s.Tensors.Select(kv => kv.Key));
        Assert.Equal(ps[1].shape, s["exp_avg"]!.shape);
    }

    [Fact]
    public void Loading_state_of_another_kind_or_an_older_format_is_refused_with_a_reason()
    {
        Parameter[] ps = Parameters();
        using Optimizer adam = Optimizer.Adam(groups: _ => new[] { ps })(nn.Linear(1, 1), 0.1);
        using Optimizer sgd = Optimizer.Sgd(groups: _ => new[] { ps })(nn.Linear(1, 1), 0.1);
        using TorchSharpOptimizer old = Optimizer.FromTorchSharp(optim.Adam(ps, 0.1));
        byte[] adamState = Bytes(adam), oldState = Bytes(old);

        var kind = Assert.Throws<InvalidDataException>(() => sgd.LoadState(new BinaryReader(new MemoryStream(adamState))));
        Assert.Contains("Adam", kind.Message);
        var older = Assert.Throws<InvalidDataException>(() => adam.LoadState(new BinaryReader(new MemoryStream(oldState))));
        Assert.Contains("older build", older.Message);
    }

    private static byte[] Bytes(Optimizer o)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            o.SaveState(w);
        }

        return ms.ToArray();
    }
}
