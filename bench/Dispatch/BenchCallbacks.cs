using System.Runtime.CompilerServices;

namespace CallbackGen.Benchmarks.Dispatch;

// Five real CallbackGen callbacks. Each handles AfterBatch (the one-event benchmark: 5 handlers for one
// event) and two more of the 11 training events BeforeFit..AfterBatch (the batch benchmark: 15 handlers).
// Handlers are internal (not private) so the hand-written baseline can call them directly, and
// NoInlining: a real handler is too big to inline, and an inlined `Hits++` would measure nothing.
// Every variant calls these same methods on these same objects, so only the dispatch differs.

/// <summary>Callback 1 of 5: BeforeBatch, AfterPred, AfterBatch.</summary>
public sealed partial class Cb1 : Callback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeBatch() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterPred() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBatch() => Hits++;
}

/// <summary>Callback 2 of 5: AfterLoss, BeforeBackward, AfterBatch.</summary>
[Callback(Order = 10)]
public sealed partial class Cb2 : Callback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterLoss() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeBackward() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBatch() => Hits++;
}

/// <summary>Callback 3 of 5: AfterBackward, BeforeStep, AfterBatch.</summary>
[Callback(Order = 20)]
public sealed partial class Cb3 : Callback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBackward() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeStep() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBatch() => Hits++;
}

/// <summary>Callback 4 of 5: BeforeFit, AfterStep, AfterBatch.</summary>
[Callback(Order = 30)]
public sealed partial class Cb4 : Callback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeFit() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterStep() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBatch() => Hits++;
}

/// <summary>Callback 5 of 5: BeforeEpoch, BeforeTrain, AfterBatch.</summary>
[Callback(Order = 40)]
public sealed partial class Cb5 : Callback
{
    /// <summary>Handler calls so far.</summary>
    public long Hits;

    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeEpoch() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void BeforeTrain() => Hits++;
    [Callback, MethodImpl(MethodImplOptions.NoInlining)] internal void AfterBatch() => Hits++;
}
