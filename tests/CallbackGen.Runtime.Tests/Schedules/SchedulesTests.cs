using Sched = CallbackGen.Schedules;

namespace CallbackGen.Runtime.Tests.Schedules;

public class SchedulesTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void The_generated_overloads_partially_apply_every_argument_but_the_position()
    {
        Assert.Equal(1.3, Sched.Lin(1, 2)(0.3), Tol);
        Assert.Equal(1.0, Sched.Cos(1, 2)(0), Tol);
        Assert.Equal(1.5, Sched.Cos(1, 2)(0.5), Tol);
        Assert.Equal(2.0, Sched.Cos(1, 2)(1), Tol);
        Assert.Equal(7.0, Sched.No(7, 2)(0.6), Tol);
        Assert.Equal(0.0316227766016838, Sched.Exp(1e-3, 1)(0.5), Tol);
        Assert.Equal(0.25, Sched.Poly(1, 0, 2)(0.5), Tol);
    }

    [Theory]
    [InlineData(0.3, 0.2)]
    [InlineData(1e-7, 10.0)]
    [InlineData(0.95, 0.85)]
    public void Every_annealer_is_exact_at_both_ends(double start, double end)
    {
        foreach (Schedule s in new[] { Sched.Lin(start, end), Sched.Cos(start, end), Sched.Exp(start, end), Sched.Poly(start, end, 3) })
        {
            Assert.Equal(start, s(0));
            Assert.Equal(end, s(1));
        }
    }

    [Fact]
    public void Combine_matches_the_reference_values()
    {
        Schedule s = Sched.Combine(new[] { 0.3, 0.7 }, new[] { Sched.Cos(0.3, 0.6), Sched.Cos(0.6, 0.2) });

        double[] positions = { 0, 0.15, 0.3, 0.65, 1.0 };
        double[] expected = { 0.3, 0.45, 0.6, 0.4, 0.2 };
        for (int i = 0; i < positions.Length; i++)
        {
            Assert.Equal(expected[i], s(positions[i]), Tol);
        }
    }

    [Fact]
    public void Combine_at_one_and_just_below_one_gives_the_last_segments_end()
    {
        Schedule s = Sched.Combine(new[] { 0.3, 0.7 }, new[] { Sched.Cos(0.3, 0.6), Sched.Cos(0.6, 0.2) });

        Assert.Equal(0.2, s(1.0));
        Assert.Equal(0.2, s(1 - 1e-16));
        Assert.Equal(0.2, s(Math.BitDecrement(1.0)), Tol);
    }

    [Fact]
    public void Combine_skips_a_zero_width_segment_even_at_the_ends()
    {
        Schedule first = Sched.Combine(new[] { 0.0, 1.0 }, new[] { Sched.No(99, 99), Sched.Lin(1, 2) });
        Schedule last = Sched.Combine(new[] { 1.0, 0.0 }, new[] { Sched.Lin(1, 2), Sched.No(99, 99) });

        Assert.Equal(1.0, first(0));
        Assert.Equal(1.5, first(0.5), Tol);
        Assert.Equal(2.0, last(1));
    }

    [Fact]
    public void Combined_cos_is_two_cosines_meeting_at_pct()
    {
        Schedule s = Sched.CombinedCos(0.25, 1, 3, 0);

        Assert.Equal(1, s(0));
        Assert.Equal(2, s(0.125), Tol);
        Assert.Equal(3, s(0.25), Tol);
        Assert.Equal(1.5, s(0.625), Tol);
        Assert.Equal(0, s(1));
    }

    [Fact]
    public void One_cycle_learning_rate_and_momentum_follow_fastai_v2_defaults()
    {
        Schedule lr = Sched.OneCycleLr(1e-2);
        Schedule mom = Sched.OneCycleMom();

        double[] positions = { 0, 0.125, 0.25, 0.625, 1 };
        double[] lrs = { 4e-4, 5.2e-3, 1e-2, 5.00005e-3, 1e-7 };
        double[] moms = { 0.95, 0.9, 0.85, 0.9, 0.95 };
        for (int i = 0; i < positions.Length; i++)
        {
            Assert.Equal(lrs[i], lr(positions[i]), Tol);
            Assert.Equal(moms[i], mom(positions[i]), Tol);
        }
    }

    public static TheoryData<string, Action> BadArguments => new()
    {
        { "not 1", () => Sched.Combine(new[] { 0.3, 0.6 }, new[] { Sched.Lin(0, 1), Sched.Lin(0, 1) }) },
        { "fraction 0 is -0.5", () => Sched.Combine(new[] { -0.5, 1.5 }, new[] { Sched.Lin(0, 1), Sched.Lin(0, 1) }) },
        { "2 fractions and 1 schedules", () => Sched.Combine(new[] { 0.5, 0.5 }, new[] { Sched.Lin(0, 1) }) },
        { "position must be in [0, 1]", () => Sched.Lin(0, 1)(1.5) },
        { "position must be in [0, 1]", () => Sched.Cos(0, 1)(-1e-9) },
        { "position must be in [0, 1]", () => Sched.Combine(new[] { 1.0 }, new[] { Sched.Lin(0, 1) })(double.NaN) },
        { "start > 0 and end > 0", () => Sched.Exp(0, 1)(0.5) },
        { "start > 0 and end > 0", () => Sched.Exp(1, -1)(0.5) },
        { "power > 0", () => Sched.Poly(1, 0, 0)(0.5) },
        { "pct in [0, 1]", () => Sched.CombinedCos(1.5, 0, 1, 0) },
        { "must be finite and > 0", () => Sched.OneCycleLr(0) },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_raise_an_argument_exception_saying_which(string expected, Action act)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Contains(expected, ex.Message);
    }
}
