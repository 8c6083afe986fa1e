using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Optimization;

public class HyperTests
{
    // Two single-weight "layers" so each parameter group holds one parameter with a known gradient.
    private static (Parameter A, Parameter B) TwoParameters()
    {
        var a = new Parameter(tensor(new[] { 1.0f, 2.0f }));
        var b = new Parameter(tensor(new[] { 3.0f, 4.0f }));
        return (a, b);
    }

    private static Optimizer Create(string kind, Parameter a, Parameter b, double lr = 0.1)
    {
        ParameterSplitter twoGroups = _ => new[] { new[] { a }, new[] { b } };
        OptimizerFactory factory = kind switch
        {
            "sgd" => Optimizer.Sgd(momentum: 0.9, weightDecay: 0.01, groups: twoGroups),
            "adam" => Optimizer.Adam(groups: twoGroups),
            _ => Optimizer.AdamW(groups: twoGroups),
        };
        using var anyModel = nn.Linear(1, 1);
        return factory(anyModel, lr);
    }

    private static void SetGradients(Parameter a, Parameter b)
    {
        using (no_grad())
        {
            a.grad = tensor(new[] { 1.0f, -2.0f });
            b.grad = tensor(new[] { 0.5f, 4.0f });
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    [InlineData("adam")]
    public void Setting_the_learning_rate_of_group_1_changes_only_group_1(string kind)
    {
        var (a, b) = TwoParameters();
        using Optimizer opt = Create(kind, a, b);

        opt.Set(Hyper.Lr, 0.025, group: 1);

        Assert.Equal(2, opt.GroupCount);
        Assert.Equal(0.1, opt.Get(Hyper.Lr, 0));
        Assert.Equal(0.025, opt.Get(Hyper.Lr, 1));
    }

    [Fact]
    public void A_step_of_SGD_uses_each_groups_new_learning_rate()
    {
        var (a, b) = TwoParameters();
        using Optimizer opt = Optimizer.Sgd(groups: _ => new[] { new[] { a }, new[] { b } })(nn.Linear(1, 1), 0.1);
        opt.Set(Hyper.Lr, 0.5, group: 1);
        SetGradients(a, b);

        opt.Step();

        // p − lr·g with lr 0.1 for group 0 and 0.5 for group 1.
        Assert.Equal(new[] { 0.9f, 2.2f }, a.data<float>().ToArray());
        Assert.Equal(new[] { 2.75f, 2.0f }, b.data<float>().ToArray());
    }

    [Fact]
    public void A_step_of_AdamW_uses_the_new_learning_rate_of_group_1_only()
    {
        var (a, b) = TwoParameters();
        using Optimizer opt = Optimizer.AdamW(weightDecay: 0, eps: 1e-12, groups: _ => new[] { new[] { a }, new[] { b } })(nn.Linear(1, 1), 0.1);
        opt.Set(Hyper.Lr, 0.01, group: 1);
        SetGradients(a, b);

        opt.Step();

        // Adam's first bias-corrected step moves each weight by lr in the gradient's opposite direction.
        float[] av = a.data<float>().ToArray(), bv = b.data<float>().ToArray();
        Assert.Equal(0.9, av[0], 5);
        Assert.Equal(2.1, av[1], 5);
        Assert.Equal(2.99, bv[0], 5);
        Assert.Equal(3.99, bv[1], 5);
    }

    [Fact]
    public void Mom_is_momentum_for_SGD_and_beta1_for_Adam_and_AdamW()
    {
        var (a, b) = TwoParameters();
        using Optimizer sgd = Create("sgd", a, b);
        using Optimizer adam = Create("adam", a, b);
        using Optimizer adamw = Create("adamw", a, b);

        sgd.Set(Hyper.Mom, 0.8, group: 1);
        adam.Set(Hyper.Mom, 0.7, group: 1);
        adamw.Set(Hyper.Mom, 0.6, group: 1);

        Assert.Equal(new[] { 0.9, 0.8 }, new[] { sgd.Get(Hyper.Mom, 0), sgd.Get(Hyper.Mom, 1) });
        Assert.Equal(new[] { 0.9, 0.7 }, new[] { adam.Get(Hyper.Mom, 0), adam.Get(Hyper.Mom, 1) });
        Assert.Equal(0.99, adam.Get(Hyper.Beta2, 1));
        Assert.Equal(0.6, adamw.Get(Hyper.Mom, 1));

        // A wrapped TorchSharp optimiser maps the same handle onto its own option.
        using TorchSharpOptimizer wrapped = Optimizer.FromTorchSharp(optim.Adam(new[] { a }, 0.1, beta1: 0.9));
        wrapped.Set(Hyper.Mom, 0.5);
        Assert.Equal(0.5, wrapped.Inner.ParamGroups.Cast<Adam.ParamGroup>().Single().Options.beta1);
    }

    [Fact]
    public void The_other_handles_reach_weight_decay_beta2_and_eps()
    {
        var (a, b) = TwoParameters();
        using Optimizer adamw = Create("adamw", a, b);
        using Optimizer sgd = Create("sgd", a, b);

        adamw.Set(Hyper.Wd, 0.2);
        adamw.Set(Hyper.Beta2, 0.95, group: 0);
        adamw.Set(Hyper.Eps, 1e-6, group: 1);
        sgd.Set(Hyper.Wd, 0.3, group: 0);

        double[] Both(Optimizer o, Hyper h) => new[] { o.Get(h, 0), o.Get(h, 1) };
        Assert.Equal(new[] { 0.2, 0.2 }, Both(adamw, Hyper.Wd));
        Assert.Equal(new[] { 0.95, 0.99 }, Both(adamw, Hyper.Beta2));
        Assert.Equal(new[] { 1e-5, 1e-6 }, Both(adamw, Hyper.Eps));
        Assert.Equal(new[] { 0.3, 0.01 }, Both(sgd, Hyper.Wd));
        Assert.Equal(new[] { Hyper.Lr, Hyper.Mom, Hyper.Wd }, sgd.SupportedHypers);
        Assert.Equal(new[] { Hyper.Lr, Hyper.Mom, Hyper.Wd, Hyper.Beta2, Hyper.Eps }, adamw.SupportedHypers);
        Assert.Throws<ArgumentException>(() => sgd.Set(Hyper.Beta2, 0.9));
    }

    [Fact]
    public void An_SGD_step_uses_momentum_set_after_creation()
    {
        var a = new Parameter(tensor(new[] { 0.0f }));
        using Optimizer one = Optimizer.FromTorchSharp(optim.SGD(new[] { a }, 1.0));
        one.Set(Hyper.Mom, 0.5);

        for (int i = 0; i < 2; i++)
        {
            using (no_grad())
            {
                a.grad = tensor(new[] { 1.0f });
            }

            one.Step();
        }

        // Step 1 moves by g, step 2 by 0.5·g + g: −2.5 in all. Without momentum it would be −2.
        Assert.Equal(-2.5f, a.data<float>()[0]);
    }

    [Fact]
    public void A_hyper_that_does_not_apply_says_so_and_names_what_does()
    {
        var (a, b) = TwoParameters();
        using Optimizer sgd = Create("sgd", a, b);

        var get = Assert.Throws<ArgumentException>(() => sgd.Get(Hyper.Beta2, 0));
        var set = Assert.Throws<ArgumentException>(() => sgd.Set(Hyper.Eps, 1e-8, 0));

        Assert.Contains("Hyper.Beta2", get.Message);
        Assert.Contains("SGD", get.Message);
        Assert.Contains("lr, mom, wd", get.Message);
        Assert.Contains("Hyper.Eps", set.Message);
        Assert.False(sgd.Supports(Hyper.Beta2));
    }

    [Fact]
    public void A_missing_group_or_an_out_of_range_value_is_a_clear_error()
    {
        var (a, b) = TwoParameters();
        using Optimizer adamw = Create("adamw", a, b);

        var group = Assert.Throws<ArgumentOutOfRangeException>(() => adamw.Get(Hyper.Lr, 2));
        var value = Assert.Throws<ArgumentOutOfRangeException>(() => adamw.Set(Hyper.Mom, 1.0, 0));
        var lr = Assert.Throws<ArgumentOutOfRangeException>(() => adamw.Set(Hyper.Lr, double.NaN, 0));

        Assert.Contains("2 parameter group(s)", group.Message);
        Assert.Contains("[0, 1)", value.Message);
        Assert.Contains("learning rate", lr.Message);
    }

    [Fact]
    public void A_splitter_with_an_empty_group_or_a_shared_parameter_is_rejected()
    {
        var (a, b) = TwoParameters();
        using var model = nn.Linear(1, 1);

        var empty = Assert.Throws<ArgumentException>(() => Optimizer.Sgd(groups: _ => new[] { new[] { a }, Array.Empty<Parameter>() })(model, 0.1));
        var shared = Assert.Throws<ArgumentException>(() => Optimizer.Sgd(groups: _ => new[] { new[] { a }, new[] { b, a } })(model, 0.1));

        Assert.Contains("group 1 is empty", empty.Message);
        Assert.Contains("group 1 and in an earlier group", shared.Message);
    }
}
