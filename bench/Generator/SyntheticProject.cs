using System.Globalization;
using System.Text;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CallbackGen.Benchmarks.Generator;

/// <summary>
/// A large user project made up for the benchmark: one file per callback class (2-4 handlers each, some
/// with an Order or Every), annealers in static partial classes, and one unrelated file that the
/// "edit" step changes.
/// </summary>
internal sealed class SyntheticProject
{
    private static readonly string[] Events =
    {
        "BeforeFit", "BeforeEpoch", "BeforeTrain", "BeforeBatch", "AfterPred", "AfterLoss", "BeforeBackward",
        "AfterBackward", "BeforeStep", "AfterStep", "AfterBatch", "AfterTrain", "BeforeValidate", "AfterValidate",
        "AfterEpoch", "AfterFit",
    };

    public const string UnrelatedPath = "Unrelated.cs";

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public SyntheticProject(int callbackClasses, int annealers, int annealersPerClass = 10)
    {
        var trees = new List<SyntaxTree>();
        for (int i = 0; i < callbackClasses; i++)
        {
            trees.Add(Parse(CallbackSource(i), $"Callbacks/Cb{i:0000}.cs"));
        }

        for (int k = 0; k * annealersPerClass < annealers; k++)
        {
            int count = Math.Min(annealersPerClass, annealers - k * annealersPerClass);
            trees.Add(Parse(AnnealerSource(k, count), $"Schedules/Annealers{k:000}.cs"));
        }

        trees.Add(Parse(UnrelatedSource(0), UnrelatedPath));
        Trees = trees;
        CallbackClasses = callbackClasses;
        Annealers = annealers;
    }

    public IReadOnlyList<SyntaxTree> Trees { get; }

    public int CallbackClasses { get; }

    public int Annealers { get; }

    public int Lines => Trees.Sum(t => t.GetText().Lines.Count);

    /// <summary>A new compilation of the trees (no semantic state shared with earlier ones).</summary>
    public CSharpCompilation Compile() => CSharpCompilation.Create(
        "SyntheticUserProject",
        Trees,
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The unrelated file after edit number <paramref name="edit"/> (a method body changes).</summary>
    public static SyntaxTree EditedUnrelated(int edit) => Parse(UnrelatedSource(edit), UnrelatedPath);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Net100.References.All
            .Concat(new[] { typeof(Callback).Assembly.Location, typeof(TorchSharp.torch).Assembly.Location }
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)))
            .ToArray());

    private static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, ParseOptions, path, Encoding.UTF8);

    private static string CallbackSource(int i)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using CallbackGen;");
        sb.AppendLine(CultureInfo.InvariantCulture, $"namespace User.Callbacks.Group{i / 100};");
        sb.AppendLine();
        sb.AppendLine(i % 3 == 0 ? $"[Callback(Order = {i % 50})]" : string.Empty);
        sb.AppendLine(CultureInfo.InvariantCulture, $"public sealed partial class Cb{i:0000} : Callback");
        sb.AppendLine("{");
        sb.AppendLine("    private long count;");
        int handlers = 2 + (i % 3);
        for (int h = 0; h < handlers; h++)
        {
            string ev = Events[(i * 7 + h * 5) % Events.Length];
            string attribute = (h % 4) switch
            {
                1 => $"[Callback(Order = {h * 10})]",
                2 when i % 5 == 0 => "[Callback(Every = 10)]",
                _ => "[Callback]",
            };
            sb.AppendLine(CultureInfo.InvariantCulture, $"    {attribute}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    private void {ev}() => count += {h + 1};");
        }

        sb.AppendLine("    public long Count => count;");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string AnnealerSource(int k, int count)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using System;");
        sb.AppendLine("using CallbackGen;");
        sb.AppendLine("namespace User.Schedules;");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"public static partial class Annealers{k:000}");
        sb.AppendLine("{");
        for (int j = 0; j < count; j++)
        {
            sb.AppendLine("    [Annealer]");
            sb.AppendLine((j % 2) == 0
                ? $"    public static double Sched{j}(double start, double end, double pos) => start + (end - start) * Math.Pow(pos, {j % 4 + 1});"
                : $"    public static double Sched{j}(double start, double end, int steps, double pos) => start + (end - start) * Math.Floor(pos * steps) / steps;");
        }

        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string UnrelatedSource(int edit) => $$"""
        namespace User;

        public static class Unrelated
        {
            public static int Compute(int x) => x * {{edit + 1}} + {{edit}};
        }
        """;
}
