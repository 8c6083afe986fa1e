using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>
    /// What a <see cref="DeclarationCodeFixProvider{TDeclaration}"/> knows while it rewrites one
    /// declaration, and the edits several fixes share (adding a CallbackGen attribute).
    /// </summary>
    public sealed class DeclarationFix
    {
        internal DeclarationFix(string equivalenceKey, SemanticModel? model, string newLine, CancellationToken cancellationToken)
        {
            EquivalenceKey = equivalenceKey;
            Model = model;
            NewLine = newLine;
            CancellationToken = cancellationToken;
        }

        /// <summary>The equivalence key of the action being applied.</summary>
        public string EquivalenceKey { get; }

        /// <summary>The document's semantic model as it was before the fix; null when the provider needs none or the document has none.</summary>
        public SemanticModel? Model { get; }

        /// <summary>The document's line ending.</summary>
        public string NewLine { get; }

        /// <summary>Cancels the fix.</summary>
        public CancellationToken CancellationToken { get; }

        /// <summary>
        /// How to write <c>CallbackGen.</c><paramref name="shortName"/><c>Attribute</c> at
        /// <paramref name="position"/>: the short name where it binds to that attribute (a
        /// <c>using CallbackGen;</c> is in scope), the qualified one otherwise, which binds without a new using.
        /// </summary>
        public string AttributeName(int position, string shortName)
        {
            string qualified = "CallbackGen." + shortName;
            if (Model is null)
            {
                return qualified;
            }

            INamedTypeSymbol? attribute = Model.Compilation.GetTypeByMetadataName(qualified + "Attribute");
            SymbolInfo info = Model.GetSpeculativeSymbolInfo(position, SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(shortName)));
            return info.Symbol?.ContainingType is { } bound && SymbolEqualityComparer.Default.Equals(bound, attribute) ? shortName : qualified;
        }

        /// <summary>
        /// <paramref name="member"/> with the attribute <paramref name="name"/> on its own line above it
        /// (before any other attribute), at the member's indentation; the member's leading trivia
        /// (comments, doc comments) stays above the attribute.
        /// </summary>
        public TMember AddAttribute<TMember>(TMember member, string name)
            where TMember : MemberDeclarationSyntax
        {
            SyntaxToken first = member.GetFirstToken();
            SyntaxTriviaList leading = first.LeadingTrivia;
            SyntaxTriviaList indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
                ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
                : SyntaxFactory.TriviaList();

            AttributeListSyntax list = SyntaxFactory.AttributeList(
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(NewLine));

            MemberDeclarationSyntax moved = member.ReplaceToken(first, first.WithLeadingTrivia(indentation));
            return (TMember)moved.WithAttributeLists(moved.AttributeLists.Insert(0, list));
        }
    }
}
