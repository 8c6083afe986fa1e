extern alias Generators;

using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using CallbackGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;
using TrackingNames = Generators::CallbackGen.Generators.CallbackGenerator.TrackingNames;

namespace CallbackGen.Generators.Tests;

/// <summary>
/// The pipeline caches: edits that cannot change the output leave every tracked step Cached or
/// Unchanged (and the output identical); an edit to one class regenerates that class only.
/// </summary>
public class IncrementalCachingTests(ITestOutputHelper log)
{
    private static readonly string[] Steps =
    {
        TrackingNames.CallbackHandlers, TrackingNames.CallbackClasses, TrackingNames.AnnealerMethods, TrackingNames.AnnealerClasses,
        TrackingNames.StateMembers, TrackingNames.StateClasses,
    };

    private const string Callbacks = """
        using CallbackGen;

        namespace User;

        [Callback(Order = 20)]
        public partial class Alpha : Callback
        {
            public int Count;
            [Checkpointed] private long total;
            [Checkpointed] public System.Collections.Generic.List<double> History { get; private set; } = new();

            [Callback] private void BeforeBatch() { Count++; total++; }
            [Callback(Order = 5)] private void AfterBatch() { Count += 2; }
        }

        public partial class Beta : Callback
        {
            [Callback] private void AfterEpoch() { }
        }

        public static class Unrelated
        {
            public static int Twice(int x) { return x * 2; }
        }
        """;

    private const string Annealers = """
        using CallbackGen;

        namespace User;

        public static partial class Curves
        {
            [Annealer] public static double Lin(double start, double end, double pos) { return start + pos * (end - start); }
            [Annealer] public static double Flat(double value, double pos) { return value; }
        }
        """;

    [Fact]
    public void Adding_an_unrelated_type_leaves_every_step_cached_or_unchanged() =>
        AssertNothingRegenerated(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace User; public sealed class Other { public int X { get; set; } }", GeneratorHarness.ParseOptions, path: "Other.cs")));

    [Fact]
    public void Editing_an_unrelated_method_body_leaves_every_step_cached_or_unchanged() =>
        AssertNothingRegenerated(c => Edit(c, 0, "return x * 2;", "return x + x;"));

    [Fact]
    public void Editing_a_handler_body_leaves_every_step_cached_or_unchanged() =>
        AssertNothingRegenerated(c => Edit(c, 0, "Count += 2;", "Count += 3;"));

    [Fact]
    public void Editing_an_annealer_body_leaves_every_step_cached_or_unchanged() =>
        AssertNothingRegenerated(c => Edit(c, 1, "return value;", "return value * 1.0;"));

    [Fact]
    public void Changing_an_order_regenerates_only_that_class() =>
        AssertOnlyRegenerated("User.Alpha.Callback.g.cs", c => Edit(c, 0, "[Callback(Order = 5)]", "[Callback(Order = 6)]"), "=> 6,");

    [Fact]
    public void Changing_a_class_level_order_regenerates_only_that_class() =>
        AssertOnlyRegenerated("User.Alpha.Callback.g.cs", c => Edit(c, 0, "[Callback(Order = 20)]", "[Callback(Order = 21)]"), "BeforeBatch => 21,");

    [Fact]
    public void Renaming_a_handler_regenerates_only_that_class() =>
        AssertOnlyRegenerated("User.Beta.Callback.g.cs", c => Edit(c, 0, "void AfterEpoch()", "void AfterTrain()"), "this.AfterTrain();");

    [Fact]
    public void Changing_a_checkpointed_member_type_regenerates_only_the_state_file()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Callbacks, Annealers);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        GeneratorRunResult initial = driver.GetRunResult().Results.Single();

        driver = driver.RunGenerators(Edit(first, 0, "private long total;", "private int total;"));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        Assert.All(Reasons(run, TrackingNames.CallbackClasses), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"callback classes were {r}"));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(run, TrackingNames.StateClasses));
        string[] changed = run.GeneratedSources
            .Where(s => initial.GeneratedSources.Single(o => o.HintName == s.HintName).SourceText.ToString() != s.SourceText.ToString())
            .Select(s => s.HintName)
            .ToArray();
        Assert.Equal(new[] { "User.Alpha.State.g.cs" }, changed);
        Assert.Contains("writer.BeginMember(\"total\", \"int\");", run.GeneratedSources.Single(s => s.HintName == "User.Alpha.State.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_values_hold_no_symbol_syntax_or_compilation()
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(Callbacks, Annealers));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        object?[] values = Steps.SelectMany(s => run.TrackedSteps[s]).SelectMany(step => step.Outputs).Select(o => o.Value).ToArray();

        Assert.NotEmpty(values);
        foreach (object? value in values)
        {
            AssertPlainData(value, new HashSet<object>(ReferenceEqualityComparer.Instance));
        }
    }

    private void AssertNothingRegenerated(Func<Compilation, Compilation> edit)
    {
        CSharpCompilation first = GeneratorHarness.Compile(Callbacks, Annealers);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        string before = GeneratorHarness.AllGenerated(driver.GetRunResult());

        driver = driver.RunGenerators(edit(first));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        foreach (string step in Steps)
        {
            var reasons = Reasons(run, step);
            log.WriteLine($"{step}: {string.Join(", ", reasons)}");
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {r}"));
        }

        var sourceOutputs = Reasons(run, WellKnownGeneratorOutputs.SourceOutput, output: true);
        log.WriteLine($"SourceOutput: {string.Join(", ", sourceOutputs)}");
        Assert.All(sourceOutputs, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output step was {r}"));
        Assert.Equal(before, GeneratorHarness.AllGenerated(driver.GetRunResult()));
    }

    private void AssertOnlyRegenerated(string hintName, Func<Compilation, Compilation> edit, string expectedText)
    {
        CSharpCompilation first = GeneratorHarness.Compile(Callbacks, Annealers);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);
        GeneratorRunResult initial = driver.GetRunResult().Results.Single();

        driver = driver.RunGenerators(edit(first));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        foreach (string step in Steps.Append(WellKnownGeneratorOutputs.SourceOutput))
        {
            log.WriteLine($"{step}: {string.Join(", ", Reasons(run, step, output: step == WellKnownGeneratorOutputs.SourceOutput))}");
        }

        // Exactly one class model changed, the edited one; the others are Unchanged or Cached.
        var classes = run.TrackedSteps[TrackingNames.CallbackClasses].SelectMany(s => s.Outputs).ToArray();
        var modified = classes.Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New).ToArray();
        Assert.Single(modified);
        Assert.Contains(hintName.Replace(".Callback.g.cs", string.Empty, StringComparison.Ordinal), modified[0].Value.ToString(), StringComparison.Ordinal);
        Assert.All(classes.Except(modified), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.All(Reasons(run, TrackingNames.AnnealerClasses), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));

        // Only that file's text differs; it has the edit.
        foreach (GeneratedSourceResult source in run.GeneratedSources)
        {
            string old = initial.GeneratedSources.Single(s => s.HintName == source.HintName).SourceText.ToString();
            if (source.HintName == hintName)
            {
                Assert.NotEqual(old, source.SourceText.ToString());
                Assert.Contains(expectedText, source.SourceText.ToString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(old, source.SourceText.ToString());
            }
        }
    }

    private static List<IncrementalStepRunReason> Reasons(GeneratorRunResult run, string step, bool output = false) =>
        (output ? run.TrackedOutputSteps : run.TrackedSteps).TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList()
            : new List<IncrementalStepRunReason>();

    private static Compilation Edit(Compilation c, int treeIndex, string from, string to)
    {
        SyntaxTree tree = c.SyntaxTrees.ElementAt(treeIndex);
        string text = tree.GetText().ToString();
        Assert.Contains(from, text, StringComparison.Ordinal);
        return c.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text.Replace(from, to, StringComparison.Ordinal))));
    }

    // Walks a pipeline value: only strings, primitives, enums and our own model records (and
    // arrays of them) may appear; a symbol, node, location or compilation would defeat caching.
    private static void AssertPlainData(object? value, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Type type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or Location or Compilation or SemanticModel or SyntaxTree, $"{type} in the pipeline");
        if (value is IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertPlainData(item, seen);
            }

            return;
        }

        Assert.True(
            type.Namespace == "CallbackGen.Generators.Model" || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>)),
            $"{type} is not a model type");
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertPlainData(field.GetValue(value), seen);
        }
    }
}
