using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using CallbackGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>CBG0004: adds <c>partial</c> to the callback class and to every containing type that lacks it.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
    public sealed class MakePartialCodeFixProvider : DeclarationCodeFixProvider<TypeDeclarationSyntax>
    {
        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidCallbackClass.Id);

        /// <inheritdoc/>
        protected override ImmutableArray<(string Title, string EquivalenceKey)> Actions { get; } =
            ImmutableArray.Create(("Make the class and its containing types partial", "CallbackGen.MakePartial"));

        /// <inheritdoc/>
        protected override bool NeedsSemanticModel => false;

        /// <inheritdoc/>
        protected override IEnumerable<TypeDeclarationSyntax> Targets(SyntaxNode root, Diagnostic diagnostic)
        {
            // CBG0004 also covers "does not derive from Callback", which partial does not fix.
            if (!diagnostic.Properties.ContainsKey(DiagnosticProperties.AddPartial) || Enclosing<TypeDeclarationSyntax>(root, diagnostic) is not { } type)
            {
                return Enumerable.Empty<TypeDeclarationSyntax>();
            }

            return type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(d => !d.Modifiers.Any(SyntaxKind.PartialKeyword));
        }

        /// <inheritdoc/>
        protected override TypeDeclarationSyntax Rewrite(TypeDeclarationSyntax original, TypeDeclarationSyntax current, DeclarationFix fix)
        {
            // 'partial' goes last among the modifiers, right before the keyword; with no modifiers it takes
            // over the keyword's leading trivia so indentation and comments stay where they were.
            if (current.Modifiers.Count > 0)
            {
                return current.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
            }

            SyntaxToken keyword = current.Keyword;
            SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return current
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial));
        }
    }
}
