extern alias Generators;

using System.Diagnostics.CodeAnalysis;
using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using CallbackGenerator = Generators::CallbackGen.Generators.CallbackGenerator;
using EventCatalog = Generators::CallbackGen.EventCatalog;

namespace CallbackGen.Generators.Tests;

/// <summary>The catalogue itself, and the runtime's enums the generator writes from it.</summary>
public class EventCatalogTests
{
    [Fact]
    public void The_runtime_s_event_enum_is_generated_from_the_catalogue_when_its_project_asks()
    {
        const string Usage = "namespace CallbackGen { internal static class Use { public static int N => (int)Event.AfterCancelStep + (int)Phase.Step + EventCatalogSize.Events + EventCatalogSize.Phases; } }";

        GeneratorDriverRunResult asked = RunWithProperty("true", Usage, out Compilation output);
        string generated = GeneratorHarness.Generated(asked, "EventCatalog.Types.g.cs");
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        for (int i = 0; i < EventCatalog.Names.Length; i++)
        {
            Assert.Contains($"{EventCatalog.Names[i]} = {i},", generated, StringComparison.Ordinal);
        }

        Assert.Contains($"public const int Events = {EventCatalog.Names.Length};", generated, StringComparison.Ordinal);
        Assert.DoesNotContain(RunWithProperty(null, "class C { }", out _).Results.SelectMany(r => r.GeneratedSources),
            s => s.HintName.EndsWith("EventCatalog.Types.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_s_event_enum_is_the_catalogue_in_names_and_ordinals()
    {
        Assert.Equal(EventCatalog.Names, Enum.GetNames<Event>());
        Assert.All(Enum.GetValues<Event>(), e => Assert.Equal((int)e, EventCatalog.IndexOf(e.ToString())));
        Assert.Equal(EventSet.EventCount, EventCatalog.Names.Length);
        Assert.Equal(EventCatalog.Names.Length, EventCatalog.Summaries.Length);
    }

    [Fact]
    public void Fit_and_epoch_events_are_disjoint_catalogue_events()
    {
        Assert.All(EventCatalog.FitEvents.Concat(EventCatalog.EpochEvents), n => Assert.True(EventCatalog.IndexOf(n) >= 0, n));
        Assert.Empty(EventCatalog.FitEvents.Intersect(EventCatalog.EpochEvents));
        Assert.Equal(3, EventCatalog.FitEvents.Length);
    }

    [Fact]
    public void Seed_names_map_to_catalogue_events_and_are_not_events_themselves()
    {
        Assert.All(EventCatalog.SeedAliases, pair =>
        {
            Assert.Equal(-1, EventCatalog.IndexOf(pair[0]));
            Assert.Equal(pair[1], EventCatalog.ModernNameOf(pair[0]));
            Assert.True(EventCatalog.IndexOf(pair[1]) >= 0);
        });
    }

    // A compilation without the runtime (it declares the enums itself), with or without the property.
    private static GeneratorDriverRunResult RunWithProperty(string? value, string source, out Compilation output)
    {
        CSharpCompilation input = CSharpCompilation.Create(
            "CatalogProbe",
            new[] { CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions) },
            Basic.Reference.Assemblies.Net100.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var options = new OptionsProvider(value is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["build_property.CallbackGenEmitEventCatalog"] = value });
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new CallbackGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions, optionsProvider: options);
        return driver.RunGeneratorsAndUpdateCompilation(input, out output, out _).GetRunResult();
    }

    private sealed class OptionsProvider(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(new Dictionary<string, string>());

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(new Dictionary<string, string>());

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
