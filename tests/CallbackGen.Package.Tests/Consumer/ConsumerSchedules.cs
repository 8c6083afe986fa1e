using CallbackGen;

public static partial class ConsumerSchedules
{
    /// <summary>Starts at <paramref name="start"/> and divides it by <paramref name="factor"/> over training.</summary>
    [Annealer]
    public static double Halves(double start, double factor, double pos) => start / Math.Pow(factor, pos);
}
