using System.Globalization;
using System.Text;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0010: a cancel exception thrown from an event where no scope of its kind is open.</summary>
public sealed class CancelNothingCatchesTests
{
    [Fact]
    public void CancelBatchException_in_AfterBatch_names_the_events_where_it_is_caught()
    {
        Verify(
            """
            using CallbackGen;
            public partial class Skipper : Callback
            {
                [Callback] private void AfterBatch() => throw [|new CancelBatchException()|];
            }
            """,
            Diagnostic("CBG0010", "'CancelBatchException' thrown from AfterBatch is caught by nothing: the learner turns it into an InvalidOperationException; it can be thrown only from BeforeBatch, AfterPred, AfterLoss, BeforeBackward, AfterCancelBackward, AfterBackward, BeforeStep, AfterCancelStep or AfterStep"));
    }

    [Fact]
    public void Throws_in_a_lambda_a_local_function_and_a_nested_generic_class_count()
    {
        Verify(
            """
            using System;
            using CallbackGen;
            public partial class Outer
            {
                public partial class Stopper<T> : Callback
                {
                    [Callback]
                    private void AfterFit()
                    {
                        Action stop = () => throw [|new CancelFitException()|];
                        void Skip() => throw [|new CancelEpochException()|];
                        if (Epoch > 0) { stop(); Skip(); }
                    }
                }
            }
            """,
            Diagnostic("CBG0010", "'CancelFitException' thrown from AfterFit is caught by nothing: the learner turns it into an InvalidOperationException; it can be thrown only from " + Events("CancelFitException")),
            Diagnostic("CBG0010", "'CancelEpochException' thrown from AfterFit is caught by nothing: the learner turns it into an InvalidOperationException; it can be thrown only from " + Events("CancelEpochException")));
    }

    [Fact]
    public void Throws_inside_the_scope_and_other_exceptions_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            public partial class Skipper : Callback
            {
                [Callback] private void BeforeStep() { if (Iter % 2 == 0) throw new CancelBatchException(); }
                [Callback] private void AfterLoss() { if (!Training) throw new CancelValidateException(); }
                [Callback] private void AfterEpoch() => throw new CancelFitException();
                [Callback] private void AfterFit() => throw new System.InvalidOperationException();
                private void NotAHandler() => throw new CancelBatchException();
            }
            """);
    }

    /// <summary>
    /// One table: for every (exception, event) pair CBG0010 is reported exactly where the catalogue's
    /// scopes (which the runtime's misuse check is tested against) say nothing catches it.
    /// </summary>
    [Fact]
    public void Reported_for_exactly_the_pairs_the_catalogue_says_nothing_catches()
    {
        var source = new StringBuilder("using CallbackGen;\n");
        foreach (PhaseInfo phase in EventCatalog.Phases)
        {
            source.Append(CultureInfo.InvariantCulture, $"public partial class Throws{phase.CancelException} : Callback\n{{\n");
            foreach (string e in EventCatalog.Names)
            {
                source.Append(CultureInfo.InvariantCulture, $"    [Callback] private void {e}() => throw new {phase.CancelException}();\n");
            }

            source.Append("}\n");
        }

        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source.ToString());
        Assert.Empty(AnalyzerHarness.CompilerErrors(compilation));
        var reported = AnalyzerHarness.Analyze(compilation)
            .Where(d => d.Id == "CBG0010")
            .Select(d => d.GetMessage(CultureInfo.InvariantCulture))
            .Select(m => m[1..m.IndexOf('\'', 1)] + " " + m.Split(' ')[3])
            .Order(StringComparer.Ordinal)
            .ToArray();
        var expected = EventCatalog.Phases
            .SelectMany((p, i) => EventCatalog.Names.Select((e, ei) => (p.CancelException, Event: e, Caught: EventCatalog.IsCaught(i, ei))))
            .Where(x => !x.Caught)
            .Select(x => x.CancelException + " " + x.Event)
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(expected, reported);
        Assert.InRange(expected.Length, 50, 7 * 23 - 50); // neither vacuous nor everything
    }

    private static string Events(string exception)
    {
        string[] events = EventCatalog.EventsCatching(EventCatalog.PhaseOfCancel(exception));
        return string.Join(", ", events[..^1]) + " or " + events[^1];
    }
}
