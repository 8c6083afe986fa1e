namespace CallbackGen;

/// <summary>
/// Turns <c>static double F(a, b, …, double pos)</c> in a <c>static partial</c> class into a
/// generated factory <c>Schedule F(a, b, …)</c>: partial application of every parameter but the
/// position, as fastai's <c>@annealer</c>.
/// </summary>
/// <example>
/// <code>
/// public static partial class MySchedules
/// {
///     [Annealer] public static double Step(double start, double end, double pos) => pos &lt; 0.5 ? start : end;
/// }
/// Schedule s = MySchedules.Step(1.0, 0.1);   // generated
/// double lr = s(0.75);                        // 0.1
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AnnealerAttribute : Attribute
{
}
