using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace CallbackGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Applies a code fix (one diagnostic, or fix-all in the document) in an in-memory workspace and
/// checks the result compiles, with the generator, to no error, no warning and no CallbackGen diagnostic.
/// </summary>
public static class CodeFixHarness
{
    /// <summary>Fixes the first <paramref name="diagnosticId"/> diagnostic and returns the fixed source.</summary>
    public static async Task<string> FixOneAsync(CodeFixProvider provider, string source, string diagnosticId, string? equivalenceKey = null)
    {
        Document document = CreateDocument(source);
        Diagnostic diagnostic = (await DiagnosticsAsync(document, diagnosticId)).First();
        CodeAction action = Choose(await ActionsAsync(provider, document, diagnostic), equivalenceKey);
        return await ApplyAsync(action, document);
    }

    /// <summary>The code actions the provider offers for the first <paramref name="diagnosticId"/> diagnostic.</summary>
    public static async Task<IReadOnlyList<CodeAction>> ActionsForFirstAsync(CodeFixProvider provider, string source, string diagnosticId)
    {
        Document document = CreateDocument(source);
        Diagnostic diagnostic = (await DiagnosticsAsync(document, diagnosticId)).First();
        return await ActionsAsync(provider, document, diagnostic);
    }

    /// <summary>Runs the provider's fix-all over every <paramref name="diagnosticId"/> diagnostic of the document.</summary>
    public static Task<string> FixAllAsync(CodeFixProvider provider, string source, string diagnosticId) =>
        FixAllAsync(provider, source, diagnosticId, FixAllScope.Document, useEquivalenceKey: true);

    /// <summary>Fix-all with the one of the provider's fixes whose equivalence key is <paramref name="equivalenceKey"/>.</summary>
    public static Task<string> FixAllAsync(CodeFixProvider provider, string source, string diagnosticId, string equivalenceKey) =>
        FixAllAsync(provider, source, diagnosticId, FixAllScope.Document, useEquivalenceKey: true, equivalenceKey);

    /// <summary>
    /// Fix-all as <c>dotnet format</c> asks for it: the whole solution, and no equivalence key (it
    /// does not know the code actions' keys).
    /// </summary>
    public static Task<string> FixAllLikeDotnetFormatAsync(CodeFixProvider provider, string source, string diagnosticId) =>
        FixAllAsync(provider, source, diagnosticId, FixAllScope.Solution, useEquivalenceKey: false);

    private static async Task<string> FixAllAsync(CodeFixProvider provider, string source, string diagnosticId, FixAllScope scope, bool useEquivalenceKey, string? equivalenceKey = null)
    {
        Document document = CreateDocument(source);
        ImmutableArray<Diagnostic> diagnostics = await DiagnosticsAsync(document, diagnosticId);
        Assert.True(diagnostics.Length > 1, "fix-all needs more than one diagnostic to prove anything");
        CodeAction first = Choose(await ActionsAsync(provider, document, diagnostics[0]), equivalenceKey);

        FixAllProvider fixAll = provider.GetFixAllProvider() ?? throw new InvalidOperationException("no fix-all provider");
        var context = new FixAllContext(
            document, provider, scope, useEquivalenceKey ? first.EquivalenceKey : null, new[] { diagnosticId },
            new FixedDiagnostics(diagnostics), CancellationToken.None);
        CodeAction action = await fixAll.GetFixAsync(context) ?? throw new InvalidOperationException("fix-all produced no action");
        return await ApplyAsync(action, document);
    }

    /// <summary>The fixed code compiles (generator included) with no error or warning and no CallbackGen diagnostic.</summary>
    public static void AssertCompilesClean(string source)
    {
        Compilation compilation = AnalyzerHarness.CompileWithGenerator(source);
        var problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Concat(AnalyzerHarness.Analyze(compilation))
            .ToArray();
        Assert.True(problems.Length == 0, "the fixed code has diagnostics:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => p.ToString())));
    }

    // The one action offered, or the one with the given equivalence key where a fix offers several.
    private static CodeAction Choose(IReadOnlyList<CodeAction> actions, string? equivalenceKey) =>
        equivalenceKey is null ? actions.Single() : actions.Single(a => a.EquivalenceKey == equivalenceKey);

    private static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        ProjectId projectId = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId, VersionStamp.Create(), "User", "UserAssembly", LanguageNames.CSharp,
                compilationOptions: AnalyzerHarness.CompilationOptions,
                parseOptions: AnalyzerHarness.ParseOptions,
                metadataReferences: AnalyzerHarness.References.Value));
        DocumentId documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Source0.cs", SourceText.From(source));
        return solution.GetDocument(documentId)!;
    }

    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Document document, string diagnosticId)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        ImmutableArray<Diagnostic> all = await compilation.WithAnalyzers(AnalyzerHarness.Analyzers).GetAnalyzerDiagnosticsAsync();
        ImmutableArray<Diagnostic> matching = all.Where(d => d.Id == diagnosticId).OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
        Assert.True(matching.Length > 0, $"no {diagnosticId} to fix");
        return matching;
    }

    private static async Task<List<CodeAction>> ActionsAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return actions;
    }

    private static async Task<string> ApplyAsync(CodeAction action, Document document)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        SourceText text = await changed.GetDocument(document.Id)!.GetTextAsync();
        return text.ToString();
    }

    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(ImmutableArray<Diagnostic>.Empty);
    }
}
