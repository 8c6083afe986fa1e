using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace CallbackGen.Benchmarks.Dispatch;

/// <summary>
/// The same handlers on the same objects, reached five ways: hand-written direct calls (baseline),
/// CallbackGen's generated dispatch through the runtime's EventDispatcher, Keras-style virtual methods,
/// cached <see cref="MethodInfo.Invoke(object, object[])"/>, and fastai-style getattr (look the method up by name on
/// every call). Three workloads: one event with 5 handlers; the 11 training events BeforeFit..AfterBatch
/// fired once each (5 callbacks, 2-3 events each, 15 handlers); and a training batch exactly as the
/// Learner runs it (the 8 batch events through the nested Batch/Backward/Step phase scopes).
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
public class DispatchBenchmarks
{
    /// <summary>One event (AfterBatch) dispatched to 5 callbacks.</summary>
    public const string OneEvent = "OneEvent";

    /// <summary>The 11 training events BeforeFit..AfterBatch, once each.</summary>
    public const string ElevenEvents = "ElevenEvents";

    /// <summary>One training batch through the Learner's phase helper.</summary>
    public const string LearnerBatch = "LearnerBatch";

    private const BindingFlags HandlerFlags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>The 11 training events, in firing order.</summary>
    private static readonly Event[] TrainingEvents =
    {
        Event.BeforeFit, Event.BeforeEpoch, Event.BeforeTrain, Event.BeforeBatch, Event.AfterPred, Event.AfterLoss,
        Event.BeforeBackward, Event.AfterBackward, Event.BeforeStep, Event.AfterStep, Event.AfterBatch,
    };

    // fastai keeps event names as strings; computed once so the getattr variant pays for the lookup, not for Enum.ToString.
    private static readonly string[] TrainingEventNames = TrainingEvents.Select(e => e.ToString()).ToArray();
    private static readonly string AfterBatchName = nameof(Event.AfterBatch);

    private Cb1 c1 = null!;
    private Cb2 c2 = null!;
    private Cb3 c3 = null!;
    private Cb4 c4 = null!;
    private Cb5 c5 = null!;
    private Callback[] callbacks = null!;
    private EventDispatcher dispatcher = null!;
    private VirtualCallback[] virtuals = null!;
    private (object Target, MethodInfo Method)[][] methodTable = null!;
    private DelegateTablePrototype prototype = null!;
    private Action batchBody = null!;
    private Action noop = null!;

    /// <summary>Builds the callbacks and every variant's tables once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        c1 = new Cb1();
        c2 = new Cb2();
        c3 = new Cb3();
        c4 = new Cb4();
        c5 = new Cb5();
        callbacks = new Callback[] { c1, c2, c3, c4, c5 };
        dispatcher = new EventDispatcher(callbacks);
        prototype = new DelegateTablePrototype(c1, c2, c3, c4, c5);
        virtuals = new VirtualCallback[] { new VCb1(), new VCb2(), new VCb3(), new VCb4(), new VCb5() };

        // The best a reflection-based framework can do: resolve each event's handlers once, invoke them every time.
        methodTable = new (object, MethodInfo)[EventSet.EventCount][];
        foreach (Event e in Enum.GetValues<Event>())
        {
            methodTable[(int)e] = callbacks
                .Select(cb => (Target: (object)cb, Method: cb.GetType().GetMethod(e.ToString(), HandlerFlags, Type.EmptyTypes)))
                .Where(t => t.Method is not null)
                .Select(t => (t.Target, t.Method!))
                .ToArray();
        }

        noop = static () => { };
        batchBody = () =>
        {
            dispatcher.Fire(Event.AfterPred);
            dispatcher.Fire(Event.AfterLoss);
            dispatcher.Run(Phase.Backward, noop);
            dispatcher.Run(Phase.Step, noop);
        };

        // Every variant must reach every handler: a dispatch that calls nothing would look fast.
        Check();
    }

    // ---------------- one event, 5 handlers ----------------

    /// <summary>(a) Hand-written: the five handlers called by name.</summary>
    [Benchmark(Baseline = true, Description = "a. direct calls"), BenchmarkCategory(OneEvent)]
    public void OneEventDirect()
    {
        c1.AfterBatch();
        c2.AfterBatch();
        c3.AfterBatch();
        c4.AfterBatch();
        c5.AfterBatch();
    }

    /// <summary>(b) CallbackGen: EventDispatcher.Fire over the generated InvokeHandler switches.</summary>
    [Benchmark(Description = "b. CallbackGen generated"), BenchmarkCategory(OneEvent)]
    public void OneEventGenerated() => dispatcher.Fire(Event.AfterBatch);

    /// <summary>(b′) Not the product: a delegate per handler, built once (see <see cref="DelegateTablePrototype"/>).</summary>
    [Benchmark(Description = "b′. prototype: delegate per handler"), BenchmarkCategory(OneEvent)]
    public void OneEventPrototype() => prototype.Fire(Event.AfterBatch);

    /// <summary>(c) Virtual methods: every callback's AfterBatch.</summary>
    [Benchmark(Description = "c. virtual methods"), BenchmarkCategory(OneEvent)]
    public void OneEventVirtual()
    {
        VirtualCallback[] v = virtuals;
        for (int i = 0; i < v.Length; i++)
        {
            v[i].AfterBatch();
        }
    }

    /// <summary>(d) Cached MethodInfo.Invoke.</summary>
    [Benchmark(Description = "d. cached MethodInfo.Invoke"), BenchmarkCategory(OneEvent)]
    public void OneEventMethodInfo() => InvokeCached(Event.AfterBatch);

    /// <summary>(e) fastai's getattr: look up by name on every call, then invoke.</summary>
    [Benchmark(Description = "e. getattr (lookup per call)"), BenchmarkCategory(OneEvent)]
    public void OneEventGetAttr() => InvokeByName(AfterBatchName);

    // ---------------- the 11 training events, 15 handlers ----------------

    /// <summary>(a) Hand-written: the 15 handlers in event order.</summary>
    [Benchmark(Baseline = true, Description = "a. direct calls"), BenchmarkCategory(ElevenEvents)]
    public void ElevenDirect()
    {
        c4.BeforeFit();
        c5.BeforeEpoch();
        c5.BeforeTrain();
        c1.BeforeBatch();
        c1.AfterPred();
        c2.AfterLoss();
        c2.BeforeBackward();
        c3.AfterBackward();
        c3.BeforeStep();
        c4.AfterStep();
        c1.AfterBatch();
        c2.AfterBatch();
        c3.AfterBatch();
        c4.AfterBatch();
        c5.AfterBatch();
    }

    /// <summary>(b) CallbackGen: Fire for each event.</summary>
    [Benchmark(Description = "b. CallbackGen generated"), BenchmarkCategory(ElevenEvents)]
    public void ElevenGenerated()
    {
        Event[] events = TrainingEvents;
        for (int i = 0; i < events.Length; i++)
        {
            dispatcher.Fire(events[i]);
        }
    }

    /// <summary>(b′) Not the product: the delegate-table prototype for each event.</summary>
    [Benchmark(Description = "b′. prototype: delegate per handler"), BenchmarkCategory(ElevenEvents)]
    public void ElevenPrototype()
    {
        Event[] events = TrainingEvents;
        for (int i = 0; i < events.Length; i++)
        {
            prototype.Fire(events[i]);
        }
    }

    /// <summary>(c) Virtual methods: every event's method on every callback (55 calls, 40 of them no-ops).</summary>
    [Benchmark(Description = "c. virtual methods"), BenchmarkCategory(ElevenEvents)]
    public void ElevenVirtual()
    {
        VirtualCallback[] v = virtuals;
        for (int i = 0; i < v.Length; i++) { v[i].BeforeFit(); }
        for (int i = 0; i < v.Length; i++) { v[i].BeforeEpoch(); }
        for (int i = 0; i < v.Length; i++) { v[i].BeforeTrain(); }
        for (int i = 0; i < v.Length; i++) { v[i].BeforeBatch(); }
        for (int i = 0; i < v.Length; i++) { v[i].AfterPred(); }
        for (int i = 0; i < v.Length; i++) { v[i].AfterLoss(); }
        for (int i = 0; i < v.Length; i++) { v[i].BeforeBackward(); }
        for (int i = 0; i < v.Length; i++) { v[i].AfterBackward(); }
        for (int i = 0; i < v.Length; i++) { v[i].BeforeStep(); }
        for (int i = 0; i < v.Length; i++) { v[i].AfterStep(); }
        for (int i = 0; i < v.Length; i++) { v[i].AfterBatch(); }
    }

    /// <summary>(d) Cached MethodInfo.Invoke for each event.</summary>
    [Benchmark(Description = "d. cached MethodInfo.Invoke"), BenchmarkCategory(ElevenEvents)]
    public void ElevenMethodInfo()
    {
        Event[] events = TrainingEvents;
        for (int i = 0; i < events.Length; i++)
        {
            InvokeCached(events[i]);
        }
    }

    /// <summary>(e) getattr for each event on each callback.</summary>
    [Benchmark(Description = "e. getattr (lookup per call)"), BenchmarkCategory(ElevenEvents)]
    public void ElevenGetAttr()
    {
        string[] names = TrainingEventNames;
        for (int i = 0; i < names.Length; i++)
        {
            InvokeByName(names[i]);
        }
    }

    // ---------------- one training batch as the Learner runs it ----------------

    /// <summary>(a) Hand-written: the 12 handlers of a training batch's 8 events.</summary>
    [Benchmark(Baseline = true, Description = "a. direct calls"), BenchmarkCategory(LearnerBatch)]
    public void BatchDirect()
    {
        c1.BeforeBatch();
        c1.AfterPred();
        c2.AfterLoss();
        c2.BeforeBackward();
        c3.AfterBackward();
        c3.BeforeStep();
        c4.AfterStep();
        c1.AfterBatch();
        c2.AfterBatch();
        c3.AfterBatch();
        c4.AfterBatch();
        c5.AfterBatch();
    }

    /// <summary>(b) CallbackGen: Run(Batch) { Fire AfterPred, AfterLoss; Run(Backward); Run(Step) }, as Learner.DoOneBatch.</summary>
    [Benchmark(Description = "b. CallbackGen, phase scopes"), BenchmarkCategory(LearnerBatch)]
    public void BatchGeneratedPhases() => dispatcher.Run(Phase.Batch, batchBody);

    private void InvokeCached(Event e)
    {
        (object Target, MethodInfo Method)[] handlers = methodTable[(int)e];
        for (int i = 0; i < handlers.Length; i++)
        {
            handlers[i].Method.Invoke(handlers[i].Target, null);
        }
    }

    private void InvokeByName(string name)
    {
        Callback[] cbs = callbacks;
        for (int i = 0; i < cbs.Length; i++)
        {
            // getattr(cb, name, noop)(): every callback is asked, the method is found by name each time.
            cbs[i].GetType().GetMethod(name, HandlerFlags, Type.EmptyTypes)?.Invoke(cbs[i], null);
        }
    }

    private long TotalHits() => c1.Hits + c2.Hits + c3.Hits + c4.Hits + c5.Hits;

    private void Check()
    {
        void Expect(string what, Action run, long handlers)
        {
            long before = TotalHits() + virtuals.Sum(v => v.Hits);
            run();
            long got = TotalHits() + virtuals.Sum(v => v.Hits) - before;
            if (got != handlers)
            {
                throw new InvalidOperationException($"{what} called {got} handlers, expected {handlers}: the variants would not do the same work.");
            }
        }

        foreach (var (name, run, n) in new (string, Action, long)[]
        {
            (nameof(OneEventDirect), OneEventDirect, 5), (nameof(OneEventGenerated), OneEventGenerated, 5),
            (nameof(OneEventPrototype), OneEventPrototype, 5), (nameof(OneEventVirtual), OneEventVirtual, 5), (nameof(OneEventMethodInfo), OneEventMethodInfo, 5),
            (nameof(OneEventGetAttr), OneEventGetAttr, 5),
            (nameof(ElevenDirect), ElevenDirect, 15), (nameof(ElevenGenerated), ElevenGenerated, 15),
            (nameof(ElevenPrototype), ElevenPrototype, 15), (nameof(ElevenVirtual), ElevenVirtual, 15), (nameof(ElevenMethodInfo), ElevenMethodInfo, 15),
            (nameof(ElevenGetAttr), ElevenGetAttr, 15),
            (nameof(BatchDirect), BatchDirect, 12), (nameof(BatchGeneratedPhases), BatchGeneratedPhases, 12),
        })
        {
            Expect(name, run, n);
        }
    }
}
