using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// CBG0011 (reported by the generator): turns <c>public override void AfterEpoch()</c> into a
    /// handler, <c>[Callback] public void AfterEpoch()</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OverrideToCallbackCodeFixProvider)), Shared]
    public sealed class OverrideToCallbackCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "CallbackGen.OverrideToCallback";

        private static readonly FixAllProvider FixAll = new DocumentFixAllProvider(FixAsync);

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.OverrideStyleHandler.Id);

        /// <inheritdoc/>
        public override FixAllProvider GetFixAllProvider() => FixAll;

        /// <inheritdoc/>
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (MethodAt(root, diagnostic) is null)
                {
                    continue;
                }

                Document document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Remove 'override' and add [Callback]",
                        async ct => document.WithSyntaxRoot(await FixAsync(document, root, ImmutableArray.Create(diagnostic), ct).ConfigureAwait(false)),
                        EquivalenceKey),
                    diagnostic);
            }
        }

        private static async Task<SyntaxNode> FixAsync(Document document, SyntaxNode root, ImmutableArray<Diagnostic> diagnostics, CancellationToken ct)
        {
            SemanticModel? model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
            var methods = new HashSet<MethodDeclarationSyntax>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (MethodAt(root, diagnostic) is { } method)
                {
                    methods.Add(method);
                }
            }

            string newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToFullString();
            if (newLine.Length == 0)
            {
                newLine = "\n";
            }

            return root.ReplaceNodes(methods, (original, rewritten) =>
            {
                MethodDeclarationSyntax withoutOverride = RemoveOverride(rewritten);
                bool hasAttribute = model is not null && model.GetDeclaredSymbol(original, ct) is { } symbol
                    && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "CallbackGen.CallbackAttribute");
                return hasAttribute
                    ? withoutOverride
                    : AddCallbackAttributeCodeFixProvider.AddAttribute(withoutOverride, AddCallbackAttributeCodeFixProvider.AttributeName(model, original.SpanStart), newLine);
            });
        }

        // The modifier goes; its leading trivia (indentation, when it came first) moves to the next token.
        private static MethodDeclarationSyntax RemoveOverride(MethodDeclarationSyntax method)
        {
            int index = method.Modifiers.IndexOf(SyntaxKind.OverrideKeyword);
            if (index < 0)
            {
                return method;
            }

            SyntaxToken removed = method.Modifiers[index];
            MethodDeclarationSyntax without = method.WithModifiers(method.Modifiers.RemoveAt(index));
            if (!removed.LeadingTrivia.Any())
            {
                return without;
            }

            SyntaxToken next = index < without.Modifiers.Count ? without.Modifiers[index] : without.ReturnType.GetFirstToken();
            return without.ReplaceToken(next, next.WithLeadingTrivia(removed.LeadingTrivia.AddRange(next.LeadingTrivia)));
        }

        private static MethodDeclarationSyntax? MethodAt(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
    }
}
