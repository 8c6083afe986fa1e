using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.Analyzers
{
    /// <summary>Facts about how a type is declared that symbols alone do not carry.</summary>
    internal static class Declarations
    {
        /// <summary>True when every declaration of <paramref name="type"/> has the <c>partial</c> modifier.</summary>
        public static bool IsPartial(INamedTypeSymbol type, CancellationToken ct)
        {
            if (type.DeclaringSyntaxReferences.Length == 0)
            {
                return false;
            }

            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(ct) is not TypeDeclarationSyntax declaration || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
