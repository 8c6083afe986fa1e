namespace CallbackGen.Runtime.Tests.Recording;

public class SmoothedLossTests
{
    [Fact]
    public void Losses_1_2_3_smooth_to_the_debiased_moving_average()
    {
        var s = new SmoothedLoss(0.98);

        double[] got = { s.Add(1), s.Add(2), s.Add(3) };

        Assert.Equal(1.0, got[0], 1e-9);
        Assert.Equal(1.5050505050505, got[1], 1e-9);
        Assert.Equal(2.0134675554346, got[2], 1e-9);
        Assert.Equal(3, s.Count);
    }

    [Fact]
    public void Reset_forgets_the_past()
    {
        var s = new SmoothedLoss();
        s.Add(100);

        s.Reset();

        Assert.True(double.IsNaN(s.Value));
        Assert.Equal(5.0, s.Add(5), 1e-12);
    }
}
