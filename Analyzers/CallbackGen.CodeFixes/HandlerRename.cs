using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.CodeFixes
{
    /// <summary>What the single rename fix and its fix-all agree on: which handler a diagnostic names, and when a rename is refused.</summary>
    internal static class HandlerRename
    {
        /// <summary>The method declared where <paramref name="diagnostic"/> points, if any.</summary>
        public static IMethodSymbol? HandlerAt(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken ct) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is { } method
                ? model.GetDeclaredSymbol(method, ct) as IMethodSymbol
                : null;

        /// <summary>
        /// Renaming <paramref name="handler"/> to <paramref name="newName"/> would not compile: another
        /// parameterless method (or another member) has that name. That is CBG0005's case, fixed by hand.
        /// </summary>
        public static bool NameIsTaken(IMethodSymbol handler, string newName) =>
            handler.ContainingType.GetMembers(newName).Any(m => m is not IMethodSymbol other || other.Parameters.Length == 0);
    }
}
