extern alias Generators;

using CallbackGen.Generators.Tests.Infrastructure;
using EventCatalog = Generators::CallbackGen.EventCatalog;

namespace CallbackGen.Generators.Tests;

/// <summary>
/// The generated code for each kind of input, compared with the approved files in Snapshots/.
/// Every case also compiles its output with no warning, so an approved file is valid C#.
/// </summary>
public class GeneratedCodeSnapshotTests
{
    [Fact]
    public void A_simple_callback() => Verify("SimpleCallback", """
        using CallbackGen;

        namespace User;

        public partial class Counter : Callback
        {
            public int Batches;

            [Callback]
            private void BeforeBatch() => Batches++;
        }
        """);

    [Fact]
    public void Class_level_order_is_the_default_and_a_method_order_wins() => Verify("ClassAndMethodOrder", """
        using CallbackGen;

        namespace User;

        [Callback(Order = 60)]
        public sealed partial class Scheduler : Callback
        {
            [Callback] private void BeforeFit() { }
            [Callback(Order = -5)] private void BeforeBatch() { }
            [Callback] private void AfterBatch() { }
            [Callback(Order = 0)] private void AfterFit() { }
        }
        """);

    [Fact]
    public void Every_event_of_the_catalogue() => Verify("EveryEvent", $$"""
        using CallbackGen;

        namespace User;

        public partial class AllEvents : Callback
        {
            public System.Collections.Generic.List<string> Calls { get; } = new();
        {{string.Concat(EventCatalog.Names.Select((n, i) => $"\n    [Callback(Order = {i})] private void {n}() => Calls.Add(\"{n}\");"))}}
        }
        """);

    [Fact]
    public void Nested_and_namespaced_classes() => Verify("NestedAndNamespaced", """
        using CallbackGen;

        namespace Company.Training
        {
            namespace Callbacks
            {
                public static partial class Holder
                {
                    internal sealed partial class Logger : Callback
                    {
                        [Callback] private void AfterEpoch() { }
                    }
                }

                public partial struct Settings
                {
                    public partial class Outer<TItem> where TItem : class
                    {
                        private partial class Inner : Callback
                        {
                            [Callback(Order = 3)] private void AfterLoss() { }
                        }
                    }
                }
            }
        }

        public partial class InGlobalNamespace : Callback
        {
            [Callback] private void BeforeEpoch() { }
        }
        """);

    [Fact]
    public void Private_internal_and_protected_handlers() => Verify("HandlerAccessibility", """
        using CallbackGen;

        namespace User;

        public partial class Mixed : Callback
        {
            [Callback] private void BeforeFit() { }
            [Callback] internal void AfterPred() { }
            [Callback] protected virtual void AfterLoss() { }
            [Callback] public void AfterFit() { }
        }
        """);

    [Fact]
    public void Several_callbacks_in_one_file() => Verify("SeveralCallbacksInOneFile", """
        using CallbackGen;

        namespace User;

        public partial class First : Callback
        {
            [Callback] private void BeforeFit() { }
        }

        [Callback(Order = 10)]
        public partial class Second : Callback
        {
            [Callback] private void AfterBatch() { }
            [Callback] private void AfterEpoch() { }
        }

        public partial class Third : Second
        {
            [Callback(Order = -1)] private void BeforeBatch() { }
        }
        """);

    [Fact]
    public void Periodic_and_once_per_fit_handlers() => Verify("PeriodicHandlers", """
        using CallbackGen;

        namespace User;

        public partial class Periodic : Callback
        {
            [Callback(Every = 50)] private void AfterBatch() { }
            [Callback(Every = 2)] private void AfterEpoch() { }
            [Callback(Every = 3)] private void AfterFit() { }
            [Callback(Once = true)] private void BeforeBatch() { }
            [Callback(Every = 4, Once = true)] private void AfterLoss() { }
        }
        """);

    [Fact]
    public void Generic_callback_classes_and_keyword_names() => Verify("GenericAndKeywordNames", """
        using CallbackGen;

        namespace @event.@class;

        public partial class Collect<TValue, @int> : Callback where TValue : notnull
        {
            [Callback] private void AfterBatch() { }
        }

        public partial class @record : Callback
        {
            [Callback] private void BeforeFit() { }
        }
        """);

    [Fact]
    public void Annealers_with_two_and_four_leading_parameters() => Verify("Annealers", """
        using CallbackGen;

        namespace User;

        public static partial class MySchedules
        {
            /// <summary>Linear from <paramref name="start"/> to <paramref name="end"/> at <paramref name="pos"/>.</summary>
            /// <param name="start">The value at 0.</param>
            /// <param name="end">The value at 1.</param>
            /// <param name="pos">The position.</param>
            [Annealer]
            public static double Lin(double start, double end, double pos) => start + (pos * (end - start));

            [Annealer]
            internal static double Warm(double start, double peak, int steps, string? label, double pos) =>
                pos < 1.0 / steps ? start : peak + (label?.Length ?? 0);
        }
        """);

    [Fact]
    public void An_annealer_in_a_nested_static_class() => Verify("NestedStaticAnnealer", """
        using CallbackGen;

        namespace User.Schedules
        {
            public partial class Outer
            {
                public static partial class Inner
                {
                    /// <summary>A step from <paramref name="low"/> to <paramref name="high"/>.</summary>
                    [Annealer]
                    public static double Step(double low, double high, double p) => p < 0.5 ? low : high;
                }
            }
        }
        """);

    private static void Verify(string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(source);
        GeneratorHarness.AssertCleanCompile(result, output);
        Snapshot.Verify(GeneratorHarness.AllGenerated(result), name);
    }
}
