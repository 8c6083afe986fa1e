using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace CallbackGen.Diagnostics;

/// <summary>
/// Counts the objects the garbage collector's finalizer thread finalizes, by type, from the
/// runtime's own events (an <see cref="EventListener"/> on the GC keyword's <c>FinalizeObject</c>
/// events). A TorchSharp <c>Scalar</c> that reaches the finalizer was never disposed: it was made
/// implicitly and left to the collector, which another thread can start while libtorch still reads
/// it (docs/data.md). <see cref="FinalizerCheck"/> reports from it during a fit.
/// </summary>
/// <example>
/// <code>
/// using var counter = new FinalizerCounter();
/// counter.Flush();
/// long before = counter.Count(typeof(TorchSharp.Scalar));
/// learn.Fit(1);
/// counter.Flush();
/// long leftToFinalizer = counter.Count(typeof(TorchSharp.Scalar)) - before;
/// </code>
/// </example>
public sealed class FinalizerCounter : IDisposable
{
    private readonly Listener listener = new();

    /// <summary>Finalizations of <paramref name="type"/> seen so far (after <see cref="Flush"/>, all that ran).</summary>
    public long Count(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return listener.Counts.TryGetValue(type, out long n) ? n : 0;
    }

    /// <summary>Every type finalized so far with its count.</summary>
    public IReadOnlyDictionary<Type, long> Counts() => new Dictionary<Type, long>(listener.Counts);

    /// <summary>
    /// Collects garbage, runs the pending finalizers, and waits until their events have reached this
    /// counter, so that <see cref="Count"/> includes every object that was unreachable when called.
    /// </summary>
    /// <param name="timeout">How long to wait for the events (default 10 s).</param>
    /// <returns>False when the events did not arrive in time (the counts may then be short).</returns>
    public bool Flush(TimeSpan? timeout = null)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // A collection after the finalizers ran: its end event follows their events in the stream.
        GC.Collect();
        return listener.WaitForCollection(GC.CollectionCount(0), timeout ?? TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => listener.Dispose();

    private sealed class Listener : EventListener
    {
        private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
        private const EventKeywords GcKeyword = (EventKeywords)0x1;

        private readonly ConcurrentDictionary<IntPtr, Type?> types = new();
        private readonly object gate = new();
        private long lastCollection;

        public ConcurrentDictionary<Type, long> Counts { get; } = new();

        public bool WaitForCollection(long collection, TimeSpan timeout)
        {
            DateTime until = DateTime.UtcNow + timeout;
            lock (gate)
            {
                while (lastCollection < collection)
                {
                    TimeSpan left = until - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        return false;
                    }

                    Monitor.Wait(gate, left);
                }
            }

            return true;
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == RuntimeSource)
            {
                // FinalizeObject is a verbose event of the GC keyword.
                EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "FinalizeObject" && e.Payload is { Count: > 0 } p && p[0] is IntPtr typeId)
            {
                // The payload's TypeID is the type's handle (its method table).
                Type? type = types.GetOrAdd(typeId, id => Type.GetTypeFromHandle(RuntimeTypeHandle.FromIntPtr(id)));
                if (type is not null)
                {
                    Counts.AddOrUpdate(type, 1, (_, n) => n + 1);
                }
            }
            else if (e.EventName is not null && e.EventName.StartsWith("GCEnd", StringComparison.Ordinal) && e.Payload is { Count: > 0 } end)
            {
                long count = Convert.ToInt64(end[0], System.Globalization.CultureInfo.InvariantCulture);
                lock (gate)
                {
                    lastCollection = Math.Max(lastCollection, count);
                    Monitor.PulseAll(gate);
                }
            }
        }
    }
}
