using System.Collections.Immutable;
using CallbackGen.Analyzers.Tests.Infrastructure;
using CallbackGen.Analyzers.Tests.Rules;
using CallbackGen.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;

namespace CallbackGen.Analyzers.Tests.CodeFixes;

/// <summary>CBG0011 fix: remove 'override', add [Callback]; one at a time and all at once.</summary>
public sealed class OverrideToCallbackCodeFixTests
{
    private readonly OverrideToCallbackCodeFixProvider provider = new();

    [Fact]
    public async Task Override_becomes_a_Callback_handler()
    {
        const string before = """
            using CallbackGen;
            public partial class Logger : Callback
            {
                /// <summary>Logs.</summary>
                public override void AfterEpoch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public partial class Logger : Callback
            {
                /// <summary>Logs.</summary>
                [Callback]
                public void AfterEpoch() { }
            }
            """;

        string fixedSource = await FixAsync(before, all: false);

        Assert.Equal(after, fixedSource);
        CodeFixHarness.AssertCompilesClean(fixedSource);
    }

    [Fact]
    public async Task Fix_all_turns_every_override_in_the_document_including_a_leading_override_modifier()
    {
        const string before = """
            using CallbackGen;
            public class Logger : Callback
            {
                override protected void BeforeFit() { }
                public override void AfterEpoch() { }
            }
            """;
        const string after = """
            using CallbackGen;
            public class Logger : Callback
            {
                [Callback]
                protected void BeforeFit() { }
                [Callback]
                public void AfterEpoch() { }
            }
            """;

        string fixedSource = await FixAsync(before, all: true);

        Assert.Equal(after, fixedSource);
    }

    // The diagnostics come from the generator (CS0115 hides analyzers'), as in a build.
    private async Task<string> FixAsync(string source, bool all)
    {
        var workspace = new AdhocWorkspace();
        ProjectId projectId = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId, VersionStamp.Create(), "User", "UserAssembly", LanguageNames.CSharp,
            compilationOptions: AnalyzerHarness.CompilationOptions, parseOptions: AnalyzerHarness.ParseOptions,
            metadataReferences: AnalyzerHarness.References.Value));
        DocumentId documentId = DocumentId.CreateNewId(projectId);
        Document document = solution.AddDocument(documentId, "Source0.cs", SourceText.From(source)).GetDocument(documentId)!;
        ImmutableArray<Diagnostic> diagnostics = OverrideStyleHandlerTests.Run(source).Generator.ToImmutableArray();
        Assert.NotEmpty(diagnostics);

        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostics[0], (a, _) => actions.Add(a), CancellationToken.None));
        CodeAction action = actions.Single();
        if (all)
        {
            Assert.True(diagnostics.Length > 1);
            var context = new FixAllContext(document, provider, FixAllScope.Document, null, new[] { "CBG0011" }, new Fixed(diagnostics), CancellationToken.None);
            action = await provider.GetFixAllProvider().GetFixAsync(context) ?? throw new InvalidOperationException("no fix-all action");
        }

        Solution changed = (await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return (await changed.GetDocument(documentId)!.GetTextAsync()).ToString();
    }

    private sealed class Fixed(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(ImmutableArray<Diagnostic>.Empty);
    }
}
