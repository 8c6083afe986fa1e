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
    /// <summary>CBG0004: adds <c>partial</c> to the callback class and to every containing type that lacks it.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
    public sealed class MakePartialCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "CallbackGen.MakePartial";

        private static readonly FixAllProvider FixAll = new DocumentFixAllProvider(
            (_, root, diagnostics, ct) => Task.FromResult(Fix(root, diagnostics)));

        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidCallbackClass.Id);

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
                // CBG0004 also covers "does not derive from Callback", which partial does not fix.
                if (!diagnostic.Properties.ContainsKey(DiagnosticProperties.AddPartial) || TypeAt(root, diagnostic) is null)
                {
                    continue;
                }

                Document document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Make the class and its containing types partial",
                        ct => Task.FromResult(document.WithSyntaxRoot(Fix(root, ImmutableArray.Create(diagnostic)))),
                        EquivalenceKey),
                    diagnostic);
            }
        }

        private static SyntaxNode Fix(SyntaxNode root, ImmutableArray<Diagnostic> diagnostics)
        {
            var targets = new HashSet<TypeDeclarationSyntax>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (!diagnostic.Properties.ContainsKey(DiagnosticProperties.AddPartial) || TypeAt(root, diagnostic) is not { } type)
                {
                    continue;
                }

                foreach (TypeDeclarationSyntax declaration in type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>())
                {
                    if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                    {
                        targets.Add(declaration);
                    }
                }
            }

            return root.ReplaceNodes(targets, (_, rewritten) => AddPartial(rewritten));
        }

        private static TypeDeclarationSyntax? TypeAt(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();

        // 'partial' goes last among the modifiers, right before the keyword; with no modifiers it takes
        // over the keyword's leading trivia so indentation and comments stay where they were.
        private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
        {
            if (declaration.Modifiers.Count > 0)
            {
                return declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            }

            SyntaxToken keyword = declaration.Keyword;
            SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial));
        }
    }
}
