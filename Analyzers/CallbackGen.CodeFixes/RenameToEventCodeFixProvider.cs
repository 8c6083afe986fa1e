using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Rename;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// CBG0001 and CBG0002: renames the handler (and every reference to it) to the event the analyzer
    /// named: the nearest event for a misspelling, the v2 name for a seed name.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenameToEventCodeFixProvider)), Shared]
    public sealed class RenameToEventCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "CallbackGen.RenameToEvent";

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.CallbackNameIsNotAnEvent.Id,
            DiagnosticDescriptors.CallbackNameIsSeedName.Id);

        /// <inheritdoc/>
        // Renames change the whole solution: applied one after another, never merged (see RenameFixAllProvider).
        public override FixAllProvider GetFixAllProvider() => FixAll;

        private static readonly FixAllProvider FixAll = new RenameFixAllProvider();

        /// <inheritdoc/>
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.TryGetValue(DiagnosticProperties.EventName, out string? eventName) || eventName is null)
                {
                    continue;
                }

                // Renaming onto an existing parameterless method would not compile: that is CBG0005's case, fixed by hand.
                if (HandlerRename.HandlerAt(root, model, diagnostic, context.CancellationToken) is not { } symbol || HandlerRename.NameIsTaken(symbol, eventName))
                {
                    continue;
                }

                Solution solution = context.Document.Project.Solution;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Rename to '{eventName}'",
                        ct => Renamer.RenameSymbolAsync(solution, symbol, new SymbolRenameOptions(), eventName, ct),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
