namespace CallbackGen;

/// <summary>
/// Marks an instance field or auto-property of a callback whose value goes into checkpoints: the
/// CallbackGen generator writes the code that saves it and puts it back when a fit resumes, so the
/// resumed run continues as if it had never stopped. Supported types: <c>bool</c>, integer types,
/// <c>float</c>, <c>double</c>, <c>string</c>, enums, <see cref="TimeSpan"/>, nullable forms of these,
/// arrays, <see cref="List{T}"/> and <see cref="IReadOnlyList{T}"/> of supported types, TorchSharp
/// tensors (loaded onto the learner's device) and records or structs whose members are all supported.
/// Anything else is compile-time error CBG0014; implement <see cref="ICheckpointable"/> by hand for it.
/// </summary>
/// <example>
/// <code>
/// public partial class BestTracker : Callback
/// {
///     [Checkpointed] private double best = double.PositiveInfinity;
///     [Checkpointed] private List&lt;double&gt; history = new();
///     [Transient] private DateTime lastPrint;
///
///     [Callback] private void AfterEpoch() { double v = Learn.ValidStats?.Loss ?? 0; history.Add(v); best = Math.Min(best, v); }
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class CheckpointedAttribute : Attribute
{
}
