using System.Collections.Immutable;
using System.Globalization;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using static CallbackGen.Analyzers.Tests.Infrastructure.DiagnosticVerifier;

namespace CallbackGen.Analyzers.Tests.Rules;

/// <summary>CBG0015: a number handed to libtorch as a TorchSharp Scalar that nothing holds.</summary>
public sealed class ScalarNotHeldTests
{
    private const string Race = "makes a TorchSharp Scalar that nothing holds: a garbage collection started by another thread can free it while libtorch reads it; ";

    [Fact]
    public void Implicit_numbers_reads_and_hidden_Scalars_in_a_handler_are_warnings()
    {
        Verify(
            """
            using CallbackGen;
            using TorchSharp;
            using static TorchSharp.torch;
            public partial class Meter : Callback
            {
                [Transient] private float last;

                [Callback]
                private void AfterLoss()
                {
                    Loss.add_(Loss, alpha: [|0.5|]);
                    last = [|Loss.ToSingle()|];
                    last = [|(float)Loss|];
                    Tensor doubled = [|Loss * 2|];
                    Tensor sum = [|Loss + Loss|];
                    Loss.add_(Loss, [|0.5.ToScalar()|]);
                    [|Loss.add_(Loss)|];
                    using Scalar stop = 10L.ToScalar();
                    Tensor steps = [|arange(stop)|];
                }
            }
            """,
            Diagnostic("CBG0015", "Passing '0.5' as 'alpha' " + Race + "hold it: 'using var alpha = 0.5.ToScalar();' before the call, and pass 'alpha'"),
            Diagnostic("CBG0015", "'ToSingle()' " + Race + "read the value with 'item<float>()'"),
            Diagnostic("CBG0015", "The cast '(float)Loss' " + Race + "read the value with 'item<float>()'"),
            Diagnostic("CBG0015", "The tensor operator in 'Loss * 2' " + Race + "call the method with a Scalar you hold instead ('t.mul(s)', 't.add(s, one)')"),
            Diagnostic("CBG0015", "The tensor operator in 'Loss + Loss' " + Race + "call 'add(other, one)' with a Scalar 'one' you hold instead"),
            Diagnostic("CBG0015", "'0.5.ToScalar()' passed on directly " + Race + "declare it first with 'using var' and pass the local"),
            Diagnostic("CBG0015", "'add_' without a scale " + Race + "TorchSharp passes the scale 1 as a new Scalar: pass a Scalar you hold ('add_(…, one)')"),
            Diagnostic("CBG0015", "'arange' without a start or step " + Race + "TorchSharp passes them as new Scalars: call 'arange(start, stop, step)' with Scalars you hold"));
    }

    [Fact]
    public void Held_Scalars_item_reads_and_code_outside_handlers_give_nothing()
    {
        VerifyClean(
            """
            using CallbackGen;
            using TorchSharp;
            using static TorchSharp.torch;
            public partial class Meter : Callback
            {
                [Transient] private float last;

                [Callback]
                private void AfterLoss()
                {
                    using var half = 0.5.ToScalar();
                    using Scalar one = 1.ToScalar();
                    Loss.add_(Loss, half);
                    last = Loss.item<float>();
                    Tensor doubled = Loss.mul(half).add(Loss, one);
                    using (Scalar read = Loss.ToScalar())
                    {
                        last = read.ToSingle();
                    }
                }

                // Not a handler: checked only with callbackgen_cbg0015_scope = all.
                public static Tensor Twice(Tensor t) => t * 2;
            }
            """);
    }

    [Fact]
    public void Lambdas_inside_a_handler_are_checked_too()
    {
        Verify(
            """
            using System;
            using CallbackGen;
            using TorchSharp;
            public partial class Meter : Callback
            {
                [Callback]
                private void BeforeBatch()
                {
                    Func<torch.Tensor, torch.Tensor> scale = x => x.mul([|3.0|]);
                    Xb = scale(Xb);
                }
            }
            """,
            Diagnostic("CBG0015", "Passing '3.0' as 'target' " + Race + "hold it: 'using var target = 3.0.ToScalar();' before the call, and pass 'target'"));
    }

    [Fact]
    public async Task Scope_all_in_editorconfig_checks_every_method()
    {
        const string source = """
            using TorchSharp;
            public static class Helpers
            {
                public static torch.Tensor Twice(torch.Tensor t) => t * 2;
            }
            """;
        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source);
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new Options(ScalarAnalyzer.ScopeOption, "all"));

        Assert.Empty(AnalyzerHarness.Analyze(compilation));
        var diagnostics = await compilation.WithAnalyzers(AnalyzerHarness.Analyzers, options).GetAnalyzerDiagnosticsAsync();

        Diagnostic only = Assert.Single(diagnostics);
        Assert.Equal("CBG0015", only.Id);
        Assert.StartsWith("The tensor operator in 't * 2'", only.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private sealed class Options(string key, string value) : AnalyzerConfigOptionsProvider
    {
        private readonly Values values = new(key, value);

        public override AnalyzerConfigOptions GlobalOptions => values;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => values;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => values;

        private sealed class Values(string key, string value) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string k, out string v)
            {
                v = k == key ? value : string.Empty;
                return k == key;
            }
        }
    }
}
