// What a [Callback] handler, its class and an [Annealer] must look like: one definition, compiled into
// the generator (which emits code only for what passes) and the analyzers (which report what fails),
// linked from this top-level Shared/ folder like the event catalogue. docs/design.md explains the split.
#nullable enable

using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen
{
    /// <summary>The declaration rules of CBG0003, CBG0004 and CBG0007, as lists of problems (empty: valid).</summary>
    internal static class DeclarationRules
    {
        private const string RuntimeNamespace = "CallbackGen";
        private const string CallbackBaseName = "Callback";

        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

        /// <summary>Why a [Callback] method cannot be dispatched as <c>Name();</c> (CBG0003); empty when it can.</summary>
        public static List<string> HandlerProblems(IMethodSymbol method)
        {
            var problems = new List<string>();
            if (method.IsStatic)
            {
                problems.Add("is static");
            }

            if (method.IsAbstract)
            {
                problems.Add("is abstract");
            }

            if (method.IsExtern)
            {
                problems.Add("is extern");
            }

            if (method.IsPartialDefinition || method.PartialDefinitionPart is not null || method.PartialImplementationPart is not null)
            {
                problems.Add("is a partial method");
            }

            if (method.IsGenericMethod)
            {
                problems.Add("is generic");
            }

            if (method.Parameters.Length > 0)
            {
                problems.Add("has parameters");
            }

            if (method.IsAsync)
            {
                problems.Add("is async");
            }

            if (!method.ReturnsVoid)
            {
                problems.Add($"returns '{method.ReturnType.ToDisplayString(TypeFormat)}'");
            }

            return problems;
        }

        /// <summary>True when <paramref name="type"/> derives, directly or not, from <c>CallbackGen.Callback</c>.</summary>
        public static bool DerivesFromCallback(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.Name == CallbackBaseName && t.Arity == 0 && t.ContainingType is null
                    && t.ContainingNamespace is { ContainingNamespace.IsGlobalNamespace: true, Name: RuntimeNamespace })
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when every declaration of <paramref name="type"/> in source has the <c>partial</c> modifier.</summary>
        public static bool IsPartial(INamedTypeSymbol type, CancellationToken ct)
        {
            if (type.DeclaringSyntaxReferences.IsEmpty)
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

        /// <summary>The names of <paramref name="type"/> and its containing types that are not partial, innermost first.</summary>
        public static List<string> NonPartialTypes(INamedTypeSymbol type, CancellationToken ct)
        {
            var names = new List<string>();
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (!IsPartial(t, ct))
                {
                    names.Add(t.Name);
                }
            }

            return names;
        }

        /// <summary>
        /// Why an [Annealer] method cannot become a <c>Schedule</c> factory (CBG0007); empty when it can.
        /// The position must be <c>double</c>: a <c>float</c> position is refused rather than narrowed
        /// (docs/diagnostics/CBG0007.md).
        /// </summary>
        public static List<string> AnnealerProblems(IMethodSymbol method, CancellationToken ct)
        {
            var problems = new List<string>();
            if (!method.IsStatic)
            {
                problems.Add("is not static");
            }

            if (method.IsGenericMethod)
            {
                problems.Add("is generic");
            }

            if (method.ReturnType.SpecialType != SpecialType.System_Double)
            {
                problems.Add($"returns '{method.ReturnType.ToDisplayString(TypeFormat)}', not double");
            }
            else if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                problems.Add("returns by reference");
            }

            if (method.Parameters.Length == 0)
            {
                problems.Add("has no position parameter");
            }
            else
            {
                IParameterSymbol position = method.Parameters[method.Parameters.Length - 1];
                if (position.Type.SpecialType != SpecialType.System_Double)
                {
                    problems.Add($"has a '{position.Type.ToDisplayString(TypeFormat)}' position '{position.Name}', which must be double");
                }

                if (method.Parameters.Length == 1)
                {
                    problems.Add("has nothing to partially apply: it needs a parameter before the position");
                }
            }

            foreach (IParameterSymbol p in method.Parameters)
            {
                if (p.RefKind != RefKind.None || p.IsParams)
                {
                    problems.Add($"has a ref, out, in or params parameter '{p.Name}'");
                }
                else if (p.Type.IsRefLikeType || p.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Dynamic)
                {
                    // The generated Schedule is a lambda that captures every leading parameter.
                    problems.Add($"has a parameter '{p.Name}' of type '{p.Type.ToDisplayString(TypeFormat)}'; a ref struct, pointer or dynamic parameter cannot be captured by the generated Schedule");
                }
            }

            INamedTypeSymbol type = method.ContainingType;
            if (!type.IsStatic)
            {
                problems.Add($"is in '{type.Name}', which is not a static class");
            }

            List<string> notPartial = NonPartialTypes(type, ct);
            if (notPartial.Count > 0)
            {
                problems.Add($"is in {Phrases.Quote(notPartial)}, which must be partial");
            }

            return problems;
        }
    }
}
