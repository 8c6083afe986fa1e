using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// Checks [Annealer] methods (CBG0007) and the <c>Schedule</c> factory the generator would add for
    /// them (CBG0008). The shape rule is the generator's own (Shared/DeclarationRules.cs), so it accepts
    /// exactly what the generator turns into a factory.
    /// </summary>
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

            List<string> problems = DeclarationRules.AnnealerProblems(method, context.CancellationToken);
            if (problems.Count > 0)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidAnnealer, method.Locations[0], method.Name, Phrases.Join(problems)));
                return; // the generator adds nothing for an invalid annealer, so nothing can collide
            }

            CheckCollision(context, symbols, method);
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
