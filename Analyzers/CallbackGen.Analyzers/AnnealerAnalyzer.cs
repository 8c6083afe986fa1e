using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// Checks [Annealer] methods (CBG0007) and the <c>Schedule</c> factory the generator would add for
    /// them (CBG0008). Accepts exactly what the generator turns into a factory, and nothing else.
    /// </summary>
    /// <remarks>
    /// The position must be <c>double</c>: a <c>float</c> position is rejected rather than converted,
    /// because <c>Schedule</c> passes a double and narrowing it is the float32 rounding that made
    /// fastai's schedules misbehave near the end of training (docs/diagnostics/CBG0007.md).
    /// </remarks>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class AnnealerAnalyzer : DiagnosticAnalyzer
    {
        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.CSharpShortErrorMessageFormat;

        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.InvalidAnnealer,
            DiagnosticDescriptors.GeneratedOverloadCollides);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                KnownSymbols symbols = KnownSymbols.Resolve(start.Compilation);
                if (symbols.AnnealerAttribute is null)
                {
                    return;
                }

                start.RegisterSymbolAction(c => AnalyzeMethod(c, symbols), SymbolKind.Method);
            });
        }

        private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols symbols)
        {
            var method = (IMethodSymbol)context.Symbol;
            // A partial method's implementation part shares the definition's attributes: report once, on the definition.
            if (method.PartialDefinitionPart is not null || !KnownSymbols.Has(method, symbols.AnnealerAttribute))
            {
                return;
            }

            List<string> problems = ShapeProblems(method, context.CancellationToken);
            if (problems.Count > 0)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidAnnealer, method.Locations[0], method.Name, Phrases.Join(problems)));
                return; // the generator adds nothing for an invalid annealer, so nothing can collide
            }

            CheckCollision(context, symbols, method);
        }

        private static List<string> ShapeProblems(IMethodSymbol method, System.Threading.CancellationToken ct)
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

            var notPartial = new List<string>();
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (!Declarations.IsPartial(t, ct))
                {
                    notPartial.Add(t.Name);
                }
            }

            if (notPartial.Count > 0)
            {
                problems.Add($"is in {Phrases.Quote(notPartial)}, which must be partial");
            }

            return problems;
        }

        private static void CheckCollision(SymbolAnalysisContext context, KnownSymbols symbols, IMethodSymbol annealer)
        {
            ImmutableArray<IParameterSymbol> leading = annealer.Parameters.RemoveAt(annealer.Parameters.Length - 1);
            foreach (IMethodSymbol other in annealer.ContainingType.GetMembers(annealer.Name).OfType<IMethodSymbol>())
            {
                if (SymbolEqualityComparer.Default.Equals(other, annealer) || symbols.IsGeneratedByCallbackGen(other)
                    || other.Parameters.Length != leading.Length)
                {
                    continue;
                }

                bool sameSignature = true;
                for (int i = 0; i < leading.Length && sameSignature; i++)
                {
                    // Types only, as the generator compares them (it also skips the factory beside a ref
                    // overload of the same types): a reported collision is exactly a factory not generated.
                    sameSignature = SymbolEqualityComparer.Default.Equals(other.Parameters[i].Type, leading[i].Type);
                }

                if (sameSignature)
                {
                    string generated = annealer.Name + "(" + string.Join(", ", leading.Select(p => p.Type.ToDisplayString(TypeFormat))) + ")";
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.GeneratedOverloadCollides, annealer.Locations[0], generated, annealer.Name, other.ToDisplayString(TypeFormat)));
                    return;
                }
            }
        }
    }
}
