using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// Checks [Callback] handlers and the classes that hold them (CBG0001–CBG0006): everything the
    /// generator would otherwise skip silently, leaving a handler that never runs.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class CallbackAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.CallbackNameIsNotAnEvent,
            DiagnosticDescriptors.CallbackNameIsSeedName,
            DiagnosticDescriptors.InvalidHandlerSignature,
            DiagnosticDescriptors.InvalidCallbackClass,
            DiagnosticDescriptors.DuplicateHandler,
            DiagnosticDescriptors.EventNamedMethodWithoutAttribute);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                KnownSymbols symbols = KnownSymbols.Resolve(start.Compilation);
                if (symbols.CallbackAttribute is null)
                {
                    return; // the runtime is not referenced: nothing can be a handler
                }

                start.RegisterSymbolAction(c => AnalyzeMethod(c, symbols), SymbolKind.Method);
                start.RegisterSymbolAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
            });
        }

        private static void AnalyzeMethod(SymbolAnalysisContext context, KnownSymbols symbols)
        {
            var method = (IMethodSymbol)context.Symbol;
            // A partial method's implementation part shares the definition's attributes: report once, on the definition.
            if (method.MethodKind != MethodKind.Ordinary || method.PartialDefinitionPart is not null
                || !KnownSymbols.Has(method, symbols.CallbackAttribute))
            {
                return;
            }

            Location location = method.Locations[0];
            if (!EventNames.IsEvent(method.Name))
            {
                string? modern = EventCatalog.ModernNameOf(method.Name);
                if (modern is not null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.CallbackNameIsSeedName, location, Phrases.Properties(DiagnosticProperties.EventName, modern), method.Name, modern));
                }
                else
                {
                    string nearest = EventNames.Nearest(method.Name);
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.CallbackNameIsNotAnEvent, location, Phrases.Properties(DiagnosticProperties.EventName, nearest), method.Name, nearest));
                }
            }

            List<string> problems = DeclarationRules.HandlerProblems(method);
            if (problems.Count > 0)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidHandlerSignature, location, method.Name, Phrases.Join(problems)));
            }
        }

        private static void AnalyzeType(SymbolAnalysisContext context, KnownSymbols symbols)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            var handlers = new List<IMethodSymbol>();
            var plainMethods = new List<IMethodSymbol>();
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method && !method.IsImplicitlyDeclared)
                {
                    (KnownSymbols.Has(method, symbols.CallbackAttribute) ? handlers : plainMethods).Add(method);
                }
            }

            bool isCallback = DeclarationRules.DerivesFromCallback(type);
            if (handlers.Count > 0 || KnownSymbols.Has(type, symbols.CallbackAttribute))
            {
                CheckClass(context, type, isCallback, hasHandlers: handlers.Count > 0);
            }

            CheckDuplicates(context, type, handlers);
            if (isCallback)
            {
                CheckUnattributed(context, symbols, plainMethods);
            }
        }

        private static void CheckClass(SymbolAnalysisContext context, INamedTypeSymbol type, bool isCallback, bool hasHandlers)
        {
            Location location = type.Locations[0];
            if (!isCallback)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidCallbackClass, location, type.Name,
                    "does not derive from CallbackGen.Callback, so its [Callback] handlers are never called; derive it from Callback"));
                return;
            }

            if (!hasHandlers)
            {
                return; // only a default order: nothing is generated, so nothing needs to be partial
            }

            bool selfPartial = DeclarationRules.IsPartial(type, context.CancellationToken);
            List<string> containers = type.ContainingType is null
                ? new List<string>()
                : DeclarationRules.NonPartialTypes(type.ContainingType, context.CancellationToken);

            if (selfPartial && containers.Count == 0)
            {
                return;
            }

            const string Why = ": the generator adds its event dispatch in a partial part";
            string reason = containers.Count == 0 ? "must be partial" + Why
                : !selfPartial ? $"and its containing type{(containers.Count > 1 ? "s" : string.Empty)} {Phrases.Quote(containers)} must be partial" + Why
                : $"is nested in {Phrases.Quote(containers)}, which must be partial" + Why;
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InvalidCallbackClass, location, Phrases.Properties(DiagnosticProperties.AddPartial, "true"), type.Name, reason));
        }

        private static void CheckDuplicates(SymbolAnalysisContext context, INamedTypeSymbol type, List<IMethodSymbol> handlers)
        {
            var seen = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (IMethodSymbol handler in handlers)
            {
                // A seed name counts as its v2 event: renaming it (CBG0002) would give two handlers.
                string? eventName = EventNames.IsEvent(handler.Name) ? handler.Name : EventCatalog.ModernNameOf(handler.Name);
                if (eventName is not null && !seen.Add(eventName))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateHandler, handler.Locations[0], type.Name, eventName));
                }
            }
        }

        private static void CheckUnattributed(SymbolAnalysisContext context, KnownSymbols symbols, List<IMethodSymbol> methods)
        {
            foreach (IMethodSymbol method in methods)
            {
                // Parameterless only: an overload such as AfterLoss(Tensor) is a helper, not a forgotten handler.
                if (!EventNames.IsEvent(method.Name) || method.Parameters.Length > 0 || OverridesHandler(method, symbols)
                    || (method.IsOverride && method.OverriddenMethod is null)) // CBG0011's case: 'override' with nothing to override
                {
                    continue;
                }

                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EventNamedMethodWithoutAttribute, method.Locations[0], method.Name));
            }
        }

        // An override of a [Callback] method runs: the generated dispatch of the base calls it virtually.
        private static bool OverridesHandler(IMethodSymbol method, KnownSymbols symbols)
        {
            for (IMethodSymbol? m = method.OverriddenMethod; m is not null; m = m.OverriddenMethod)
            {
                if (KnownSymbols.Has(m, symbols.CallbackAttribute))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
