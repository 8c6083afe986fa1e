using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Rename;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// Fix-all for the rename fixes (CBG0001/CBG0002): renames every diagnosed handler, one after the
    /// other, in the solution each rename produced. The batch fixer cannot merge renames (each changes
    /// the whole solution: declaration and references) and <c>dotnet format</c> asks with no
    /// equivalence key, so this provider neither merges nor filters by key.
    /// </summary>
    internal sealed class RenameFixAllProvider : FixAllProvider
    {
        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            // Each handler by its declaration ID (which other handlers' renames leave unchanged) and its new name.
            var renames = new List<(ProjectId Project, string DeclarationId, string NewName)>();
            foreach (Diagnostic diagnostic in await DiagnosticsAsync(fixAllContext).ConfigureAwait(false))
            {
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.EventName, out string? newName) || newName is null
                    || diagnostic.Location.SourceTree is not { } tree)
                {
                    continue;
                }

                Document? document = fixAllContext.Solution.GetDocument(tree);
                SyntaxNode? root = document is null ? null : await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                SemanticModel? model = document is null ? null : await document.GetSemanticModelAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                if (document is null || root is null || model is null
                    || HandlerRename.HandlerAt(root, model, diagnostic, fixAllContext.CancellationToken) is not { } symbol
                    || DocumentationCommentId.CreateDeclarationId(symbol) is not { } id)
                {
                    continue;
                }

                renames.Add((document.Project.Id, id, newName));
            }

            if (renames.Count == 0)
            {
                return null;
            }

            return CodeAction.Create(
                "Rename every handler to its event",
                ct => RenameAllAsync(fixAllContext.Solution, renames, ct),
                nameof(RenameFixAllProvider));
        }

        private static async Task<Solution> RenameAllAsync(Solution solution, List<(ProjectId Project, string DeclarationId, string NewName)> renames, CancellationToken ct)
        {
            foreach (var (projectId, id, newName) in renames.Distinct())
            {
                Compilation? compilation = solution.GetProject(projectId) is { } project
                    ? await project.GetCompilationAsync(ct).ConfigureAwait(false)
                    : null;
                if (compilation is null || DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation) is not IMethodSymbol symbol)
                {
                    continue;
                }

                // As the single fix: never rename onto an existing parameterless method (CBG0005's case).
                if (HandlerRename.NameIsTaken(symbol, newName))
                {
                    continue;
                }

                solution = await Renamer.RenameSymbolAsync(solution, symbol, new SymbolRenameOptions(), newName, ct).ConfigureAwait(false);
            }

            return solution;
        }

        private static async Task<IEnumerable<Diagnostic>> DiagnosticsAsync(FixAllContext context)
        {
            switch (context.Scope)
            {
                case FixAllScope.Document when context.Document is not null:
                    return await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false);
                case FixAllScope.Project:
                    return await context.GetAllDiagnosticsAsync(context.Project).ConfigureAwait(false);
                case FixAllScope.Solution:
                    var all = new List<Diagnostic>();
                    foreach (Project project in context.Solution.Projects)
                    {
                        all.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                    }

                    return all;
                default:
                    return Enumerable.Empty<Diagnostic>();
            }
        }
    }
}
