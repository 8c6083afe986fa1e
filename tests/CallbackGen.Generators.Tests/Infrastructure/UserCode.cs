using System.Reflection;

namespace CallbackGen.Generators.Tests.Infrastructure;

/// <summary>
/// User code compiled once, through the generator, into an in-memory assembly that the
/// behavioural tests load and run (callbacks in a real fit, annealers, periodic handlers).
/// </summary>
public static class UserCode
{
    public const string Callbacks = """
        using System.Collections.Generic;
        using CallbackGen;

        namespace Behaviour;

        // Writes "name:event" into a shared log; no handlers of its own.
        public abstract class Logger : Callback
        {
            private readonly List<string> log;
            private readonly string name;

            protected Logger(List<string> log, string name)
            {
                this.log = log;
                this.name = name;
            }

            public override string Name => name;

            protected void Write(string e) => log.Add(name + ":" + e);
        }

        [Callback(Order = 10)]
        public sealed partial class OrderTen : Logger
        {
            public OrderTen(List<string> log, string name) : base(log, name) { }

            [Callback] private void BeforeBatch() => Write("BeforeBatch");

            [Callback(Order = -20)] private void AfterBatch() => Write("AfterBatch");
        }

        public sealed partial class OrderMinusFive : Logger
        {
            public OrderMinusFive(List<string> log, string name) : base(log, name) { }

            [Callback(Order = -5)] private void BeforeBatch() => Write("BeforeBatch");

            [Callback(Order = -5)] private void AfterBatch() => Write("AfterBatch");
        }

        // Any call the generated switch does not handle falls through to base.InvokeHandler: counted here.
        public abstract class CountingBase : Callback
        {
            public int Unhandled;

            protected override void InvokeHandler(Event e) => Unhandled++;
        }

        public sealed partial class ThreeEvents : CountingBase
        {
            public int Fits, Losses, Ends;

            [Callback] private void BeforeFit() => Fits++;

            [Callback] private void AfterLoss() => Losses++;

            [Callback] private void AfterFit() => Ends++;
        }

        public partial class BaseHandlers : Callback
        {
            public List<string> Log { get; } = new();

            [Callback(Order = 7)] private void BeforeFit() => Log.Add("base BeforeFit");

            [Callback] protected virtual void AfterFit() => Log.Add("base AfterFit");
        }

        public sealed partial class DerivedHandlers : BaseHandlers
        {
            [Callback(Order = 3)] private void AfterBatch() => Log.Add("derived AfterBatch");

            [Callback(Order = 4)] protected override void AfterFit() => Log.Add("derived AfterFit");
        }

        public sealed partial class Collector<TItem> : Callback
        {
            public List<TItem> Items { get; } = new();

            public TItem? Next { get; set; }

            [Callback] private void AfterBatch() => Items.Add(Next!);
        }

        public sealed partial class Periodic : Callback
        {
            public List<string> Log { get; } = new();

            [Callback(Every = 2)] private void AfterBatch() => Log.Add($"batch {(Training ? "train" : "valid")} {Epoch} {Iter}");

            [Callback(Every = 2)] private void AfterEpoch() => Log.Add($"epoch {Epoch}");

            [Callback(Every = 5)] private void AfterFit() => Log.Add("fit");

            [Callback(Once = true)] private void BeforeBatch() => Log.Add($"once {Epoch} {Iter}");

            [Callback(Every = 3, Once = true)] private void AfterLoss() => Log.Add($"once-every {Epoch} {Iter}");
        }

        public sealed partial class Counter : Callback
        {
            public long Count;

            [Callback] private void AfterBatch() => Count++;
        }

        public static partial class UserCurves
        {
            [Annealer] public static double Lin(double start, double end, double pos) => start + (pos * (end - start));

            /// <summary>Holds <paramref name="start"/> for the first <paramref name="warmSteps"/>-th of training, then adds the label's length to the peak.</summary>
            [Annealer]
            internal static double Warm(double start, double peak, int warmSteps, string label, double pos) =>
                pos < 1.0 / warmSteps ? start : peak + label.Length;

            [Annealer] private static double Hidden(double value, double pos) => value * pos;

            public static partial class Nested
            {
                [Annealer] public static double Step(double low, double high, double p) => p < 0.5 ? low : high;
            }

            public static double CallHidden(double value, double pos) => Hidden(value)(pos);
        }
        """;

    private static readonly Lazy<Assembly> Compiled = new(() => GeneratorHarness.Build(Callbacks));

    public static Assembly Assembly => Compiled.Value;

    public static Type Type(string name) => Assembly.GetType("Behaviour." + name, throwOnError: true)!;

    public static T New<T>(string name, params object[] args) => (T)Activator.CreateInstance(Type(name), args)!;

    public static object Field(object target, string name) =>
        target.GetType().GetField(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target)
        ?? target.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)!.GetValue(target)!;
}
