using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests;

/// <summary>
/// The catalogued callback mistakes (each silent at run time in fastai) compiled together: every one
/// yields its diagnostic, on its identifier, and nothing else is reported.
/// </summary>
public sealed class CatalogueFixtureTests
{
    private const string Fixture = """
        using System.Threading.Tasks;
        using CallbackGen;

        namespace Catalogue;

        // (1) misspelt event
        public partial class Misspelt : Callback { [Callback] private void [|AfterBtach|]() { } }

        // (2) the seed's name
        public partial class SeedName : Callback { [Callback] private void [|BeginBatch|]() { } }

        // (3) handler with parameters
        public partial class WithParameters : Callback { [Callback] private void [|AfterLoss|](int step) { } }

        // (3b) handler returning bool, meant to stop training
        public partial class ReturnsBool : Callback { [Callback] private bool [|AfterBatch|]() => true; }

        // (4) async handler
        public partial class AsyncHandler : Callback { [Callback] private async Task [|AfterEpoch|]() => await Task.Yield(); }

        // (5) static handler
        public partial class StaticHandler : Callback { [Callback] private static void [|BeforeFit|]() { } }

        // (6) two handlers for one event
        public partial class TwoHandlers : Callback
        {
            [Callback] private void AfterStep() { }
            [Callback] private void [|[|AfterStep|]|](bool again) { }
        }

        // (7) event-named method without [Callback]
        public partial class Forgotten : Callback { private void [|AfterFit|]() { } }

        // (8) class not partial
        public class [|NotPartial|] : Callback { [Callback] private void AfterFit() { } }

        // (9) class not derived from Callback
        public partial class [|NotACallback|] { [Callback] private void AfterFit() { } }

        public static partial class Curves
        {
            // (10) annealer without a position
            [Annealer] public static double [|Constant|]() => 0.1;

            // (11) annealer not returning double
            [Annealer] public static float [|Half|](float start, double pos) => start / 2;

            // (12) generated overload collides with an existing member
            [Annealer] public static double [|Step|](double start, double end, double pos) => pos < 0.5 ? start : end;
            public static Schedule Step(double start, double end) => pos => start;
        }

        // (11) instance annealer
        public partial class InstanceCurves
        {
            [Annealer] public double [|Lin|](double start, double end, double pos) => start + pos * (end - start);
        }
        """;

    private const string Handler = "; a handler is a parameterless, non-generic, non-async instance method returning void";
    private const string Annealer = "; an annealer is a static method returning double whose last parameter is the double position, after at least one other parameter, in a static partial class";

    [Fact]
    public void Every_catalogued_mistake_yields_its_diagnostic()
    {
        Verify(
            Fixture,
            Diagnostic("CBG0001", "'AfterBtach' is not a training event; did you mean 'AfterBatch'?"),
            Diagnostic("CBG0002", "'BeginBatch' is the fastai v1 name of 'BeforeBatch' and is never called; rename it to 'BeforeBatch'"),
            Diagnostic("CBG0003", "Handler 'AfterLoss' has parameters" + Handler),
            Diagnostic("CBG0003", "Handler 'AfterBatch' returns 'bool'" + Handler),
            Diagnostic("CBG0003", "Handler 'AfterEpoch' is async and returns 'Task'" + Handler),
            Diagnostic("CBG0003", "Handler 'BeforeFit' is static" + Handler),
            Diagnostic("CBG0003", "Handler 'AfterStep' has parameters" + Handler),
            Diagnostic("CBG0005", "'TwoHandlers' already has a handler for 'AfterStep'; a class has at most one handler per event"),
            Diagnostic("CBG0006", "'AfterFit' is named like a training event but has no [Callback] attribute, so it never runs; add [Callback] or rename it"),
            Diagnostic("CBG0004", "'NotPartial' must be partial: the generator adds its event dispatch in a partial part"),
            Diagnostic("CBG0004", "'NotACallback' does not derive from CallbackGen.Callback, so its [Callback] handlers are never called; derive it from Callback"),
            Diagnostic("CBG0007", "Annealer 'Constant' has no position parameter" + Annealer),
            Diagnostic("CBG0007", "Annealer 'Half' returns 'float', not double" + Annealer),
            Diagnostic("CBG0008", "The generated 'Schedule Step(double, double)' of annealer 'Step' would collide with the existing 'Curves.Step(double, double)'; rename one of them"),
            Diagnostic("CBG0007", "Annealer 'Lin' is not static and is in 'InstanceCurves', which is not a static class" + Annealer));
    }
}
