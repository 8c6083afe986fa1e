using System.Runtime.CompilerServices;

namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>
/// The Keras / Lightning design: a base class with one virtual no-op per event; the framework calls
/// every event's method on every callback, whether it overrides it or not.
/// </summary>
public abstract class VirtualCallback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    public virtual void BeforeFit() { }
    public virtual void BeforeEpoch() { }
    public virtual void BeforeTrain() { }
    public virtual void BeforeBatch() { }
    public virtual void AfterPred() { }
    public virtual void AfterLoss() { }
    public virtual void BeforeBackward() { }
    public virtual void AfterBackward() { }
    public virtual void BeforeStep() { }
    public virtual void AfterStep() { }
    public virtual void AfterBatch() { }
}

// The same five callbacks as BenchCallbacks.cs, in the virtual design.
public sealed class VCb1 : VirtualCallback
{
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeBatch() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterPred() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBatch() => Hits++;
}

public sealed class VCb2 : VirtualCallback
{
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterLoss() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeBackward() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBatch() => Hits++;
}

public sealed class VCb3 : VirtualCallback
{
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBackward() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeStep() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBatch() => Hits++;
}

public sealed class VCb4 : VirtualCallback
{
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeFit() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterStep() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBatch() => Hits++;
}

public sealed class VCb5 : VirtualCallback
{
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeEpoch() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void BeforeTrain() => Hits++;
    [MethodImpl(MethodImplOptions.NoInlining)] public override void AfterBatch() => Hits++;
}
