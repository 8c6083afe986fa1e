using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// Base of the code fixes that rewrite declarations of the diagnosed document (add an attribute,
    /// add or remove a modifier). A subclass names its actions, the declarations a diagnostic asks to
    /// change and how to change one; this class offers the actions and fixes all occurrences.
    /// </summary>
    /// <remarks>
    /// Fix-all edits each document once with all of its diagnostics, so that two diagnostics that
    /// change one declaration (two nested callbacks both making their outer class partial) make one
    /// edit, and it keeps the action the user chose (<c>dotnet format</c> chooses none: the first action).
    /// </remarks>
    /// <typeparam name="TDeclaration">The kind of declaration the fix rewrites.</typeparam>
    public abstract class DeclarationCodeFixProvider<TDeclaration> : CodeFixProvider
        where TDeclaration : SyntaxNode
    {
        private readonly FixAllProvider fixAll;

        /// <summary>Creates the provider.</summary>
        protected DeclarationCodeFixProvider() => fixAll = new DocumentFixAll(this);

        /// <summary>The fixes offered for each diagnostic, as title and equivalence key; the first is fix-all's default.</summary>
        protected abstract ImmutableArray<(string Title, string EquivalenceKey)> Actions { get; }

        /// <summary>False when <see cref="Rewrite"/> never reads <see cref="DeclarationFix.Model"/> (it is then not computed).</summary>
        protected virtual bool NeedsSemanticModel => true;

        /// <inheritdoc/>
        public sealed override FixAllProvider GetFixAllProvider() => fixAll;

        /// <inheritdoc/>
        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            Document document = context.Document;
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (!Targets(root, diagnostic).Any())
                {
                    continue;
                }

                foreach ((string title, string key) in Actions)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            title,
                            async ct => document.WithSyntaxRoot(await FixAsync(document, root, ImmutableArray.Create(diagnostic), key, ct).ConfigureAwait(false)),
                            key),
                        diagnostic);
                }
            }
        }

        /// <summary>
        /// The declarations <paramref name="diagnostic"/> asks to change; none when this fix does not
        /// apply to it. By default the innermost <typeparamref name="TDeclaration"/> around the diagnostic.
        /// </summary>
        protected virtual IEnumerable<TDeclaration> Targets(SyntaxNode root, Diagnostic diagnostic)
        {
            if (Enclosing<TDeclaration>(root, diagnostic) is { } declaration)
            {
                yield return declaration;
            }
        }

        /// <summary>
        /// <paramref name="current"/> (the declaration with any nested edits already made) changed;
        /// <paramref name="original"/> is the same declaration in the document as it was, for the semantic model.
        /// </summary>
        protected abstract TDeclaration Rewrite(TDeclaration original, TDeclaration current, DeclarationFix fix);

        /// <summary>The innermost <typeparamref name="TNode"/> around the diagnostic's start, if any.</summary>
        protected static TNode? Enclosing<TNode>(SyntaxNode root, Diagnostic diagnostic)
            where TNode : SyntaxNode =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TNode>().FirstOrDefault();

        private async Task<SyntaxNode> FixAsync(Document document, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, string key, CancellationToken ct)
        {
            SemanticModel? model = NeedsSemanticModel ? await document.GetSemanticModelAsync(ct).ConfigureAwait(false) : null;
            var targets = new HashSet<TDeclaration>(diagnostics.SelectMany(d => Targets(root, d)));
            string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToFullString();
            var fix = new DeclarationFix(key, model, newLine.Length == 0 ? "\n" : newLine, ct);
            return root.ReplaceNodes(targets, (original, current) => Rewrite(original, current, fix));
        }

        private sealed class DocumentFixAll(DeclarationCodeFixProvider<TDeclaration> provider) : DocumentBasedFixAllProvider
        {
            protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            {
                SyntaxNode? root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
                if (root is null || diagnostics.IsEmpty)
                {
                    return document;
                }

                ImmutableArray<(string Title, string EquivalenceKey)> actions = provider.Actions;
                string key = actions.Any(a => a.EquivalenceKey == fixAllContext.CodeActionEquivalenceKey)
                    ? fixAllContext.CodeActionEquivalenceKey!
                    : actions[0].EquivalenceKey;
                return document.WithSyntaxRoot(await provider.FixAsync(document, root, diagnostics, key, fixAllContext.CancellationToken).ConfigureAwait(false));
            }
        }
    }
}
