using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Basic.Reference.Assemblies;
using CallbackGen.Analyzers;
using CallbackGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;

namespace CallbackGen.Docs.Tests;

/// <summary>
/// Compiles one documentation block the way a user's console project would build it: the .NET 10
/// reference assemblies (offline), the CallbackGen runtime and what it exposes (TorchSharp), the
/// generator's output, and the CallbackGen analyzers.
/// </summary>
/// <remarks>
/// The convention every ```csharp block follows: it is a top-level program with the usings of
/// <see cref="Prelude"/> (and a console project's implicit usings), in which <c>learn</c>,
/// <c>data</c> and <c>model</c> are in scope. It is compiled in the page's order, as pasted into a
/// Program.cs: type declarations come after the statements. <c>#line</c> directives map every
/// diagnostic back to the Markdown file and line. A block followed by a ```text output block is also
/// run (<see cref="Run"/>), and what it prints must be that block.
/// </remarks>
public static class SnippetCompiler
{
    /// <summary>The usings every block gets, as the documentation convention says.</summary>
    public static readonly string[] Prelude =
    [
        "System", "CallbackGen", "CallbackGen.Data", "TorchSharp", "static TorchSharp.torch",
        // A console project's implicit usings (ImplicitUsings=enable, the dotnet new default).
        "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
    ];

    /// <summary>The variables a block may use without declaring them (a block's own declaration hides them).</summary>
    private const string Context = """
        using CallbackGen;
        using CallbackGen.Data;
        using TorchSharp;
        using static TorchSharp.torch;

        internal static class DocsContext
        {
            public static Learner learn = null!;
            public static DataBunch data = null!;
            public static nn.Module<Tensor, Tensor> model = null!;
        }
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Net100.References.All.Concat(RuntimeReferences().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))).ToArray());

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(CallbackAnalyzer).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>The program a block becomes (before the generator runs). Its file name must not look generated (<c>.g.cs</c>): analyzers skip generated code.</summary>
    public static string ProgramText(CodeBlock block)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, ParseOptions).GetRoot();
        var text = new StringBuilder();
        var prelude = Prelude.Select(u => $"using {u};").ToHashSet(StringComparer.Ordinal);
        foreach (string u in prelude)
        {
            text.AppendLine(u);
        }

        text.AppendLine("using static DocsContext;");
        foreach (UsingDirectiveSyntax u in root.Usings.Where(u => !prelude.Contains(u.ToString())))
        {
            Append(text, block, u);
        }

        // In the page's order, as a user pastes it into Program.cs: a type before the statements is CS8803 there too.
        foreach (MemberDeclarationSyntax member in root.Members)
        {
            Append(text, block, member);
        }

        return text.ToString();
    }

    /// <summary>Every error and warning of the block (compiler, generator and CallbackGen analyzers), mapped to the Markdown file.</summary>
    public static IReadOnlyList<Diagnostic> Diagnose(CodeBlock block)
    {
        (Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics) = Compile(block);
        ImmutableArray<Diagnostic> analyzerDiagnostics = output.WithAnalyzers(Analyzers)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return generatorDiagnostics.Concat(output.GetDiagnostics()).Concat(analyzerDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .OrderBy(d => d.Location.GetMappedLineSpan().StartLinePosition.Line)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>
    /// Compiles the block (with the generator's output) and runs it as a program, with <paramref name="context"/>'s
    /// learner, data and model as <c>learn</c>, <c>data</c> and <c>model</c>; returns what it wrote to the console.
    /// </summary>
    /// <exception cref="InvalidOperationException">The block does not compile.</exception>
    public static string Run(CodeBlock block, DocsRunContext context)
    {
        (Compilation output, _) = Compile(block);
        using var image = new MemoryStream();
        EmitResult emitted = output.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException($"{block.Location} does not compile:{Environment.NewLine}"
                + string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Format)));
        }

        Assembly program = Assembly.Load(image.ToArray());
        Type scope = program.GetType("DocsContext", throwOnError: true)!;
        scope.GetField("learn")!.SetValue(null, context.Learn);
        scope.GetField("data")!.SetValue(null, context.Data);
        scope.GetField("model")!.SetValue(null, context.Model);
        MethodInfo main = program.EntryPoint ?? throw new InvalidOperationException($"{block.Location} has no statements to run.");
        TextWriter console = Console.Out;
        var printed = new StringWriter();
        Console.SetOut(printed);
        try
        {
            main.Invoke(null, main.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(console);
        }

        return printed.ToString();
    }

    private static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) Compile(CodeBlock block)
    {
        string program = ProgramText(block);
        bool hasStatements = ((CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, ParseOptions).GetRoot())
            .Members.OfType<GlobalStatementSyntax>().Any();
        var input = CSharpCompilation.Create(
            "DocsSnippet",
            new[]
            {
                CSharpSyntaxTree.ParseText(program, ParseOptions, path: block.File + ".snippet.cs", encoding: Encoding.UTF8),
                CSharpSyntaxTree.ParseText(Context, ParseOptions, path: "DocsContext.cs", encoding: Encoding.UTF8),
            },
            References.Value,
            new CSharpCompilationOptions(
                hasStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                // The SDK's defaults (NoWarn): TorchSharp is built against .NET 8's System.Runtime.
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));
        CSharpGeneratorDriver.Create(new[] { new CallbackGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return (output, generatorDiagnostics);
    }

    /// <summary>One line per diagnostic: <c>docs/guide.md(57,9): error CS0103: …</c>.</summary>
    public static string Format(Diagnostic d)
    {
        FileLinePositionSpan at = d.Location.GetMappedLineSpan();
        string where = d.Location.IsInSource ? $"{at.Path}({at.StartLinePosition.Line + 1},{at.StartLinePosition.Character + 1})" : "(no location)";
        return $"{where}: {d.Severity.ToString().ToLowerInvariant()} {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static void Append(StringBuilder text, CodeBlock block, SyntaxNode node)
    {
        // The node's first token (after its leading comments) sits on this line of the page.
        int line = block.Line + node.GetLocation().GetLineSpan().StartLinePosition.Line;
        int column = node.GetLocation().GetLineSpan().StartLinePosition.Character;
        text.Append("#line ").Append(line).Append(" \"").Append(block.File).AppendLine("\"");
        text.Append(' ', column).AppendLine(node.ToString());
        text.AppendLine("#line default");
    }

    /// <summary>CallbackGen.dll and the assemblies its public API comes from that are not part of .NET (TorchSharp …).</summary>
    private static IEnumerable<string> RuntimeReferences()
    {
        Assembly runtime = typeof(Callback).Assembly;
        yield return runtime.Location;
        string output = Path.GetDirectoryName(runtime.Location)!;
        foreach (AssemblyName name in runtime.GetReferencedAssemblies())
        {
            string candidate = Path.Combine(output, name.Name + ".dll");
            if (File.Exists(candidate))
            {
                yield return candidate;
            }
        }

        // The serving side of docs/after-fit.md's ONNX section: ONNX Runtime and ML.NET, as a serving project references them.
        foreach (string serving in ServingAssemblies)
        {
            yield return Path.Combine(output, serving);
        }
    }

    private static readonly string[] ServingAssemblies =
        ["Microsoft.ML.OnnxRuntime.dll", "Microsoft.ML.OnnxTransformer.dll", "Microsoft.ML.Data.dll", "Microsoft.ML.Core.dll", "Microsoft.ML.DataView.dll"];
}
