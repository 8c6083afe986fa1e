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
    /// <summary>
    /// CBG0011 (reported by the generator and by the analyzer): turns <c>public override void AfterEpoch()</c>
    /// into a handler, <c>[Callback] public void AfterEpoch()</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OverrideToCallbackCodeFixProvider)), Shared]
    public sealed class OverrideToCallbackCodeFixProvider : DeclarationCodeFixProvider<MethodDeclarationSyntax>
    {
        /// <inheritdoc/>
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.OverrideStyleHandler.Id);

        /// <inheritdoc/>
        protected override ImmutableArray<(string Title, string EquivalenceKey)> Actions { get; } =
            ImmutableArray.Create(("Remove 'override' and add [Callback]", "CallbackGen.OverrideToCallback"));

        /// <inheritdoc/>
        protected override MethodDeclarationSyntax Rewrite(MethodDeclarationSyntax original, MethodDeclarationSyntax current, DeclarationFix fix)
        {
            MethodDeclarationSyntax withoutOverride = RemoveOverride(current);
            bool hasAttribute = fix.Model?.GetDeclaredSymbol(original, fix.CancellationToken) is { } symbol
                && symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "CallbackGen.CallbackAttribute");
            return hasAttribute ? withoutOverride : fix.AddAttribute(withoutOverride, fix.AttributeName(original.SpanStart, "Callback"));
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
    }
}
