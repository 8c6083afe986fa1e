namespace CallbackGen;

/// <summary>
/// Says that a callback field or auto-property (or, on a class, every one of them) is deliberately
/// not checkpointed: it is rebuilt in <c>BeforeFit</c>, a cache, a handle or a display. It silences
/// CBG0013 ("will not survive a resume") and documents the choice for the next reader.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property | AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TransientAttribute : Attribute
{
}
