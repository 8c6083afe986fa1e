using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// Checks what a handler's body does against its event (CBG0009, CBG0010, CBG0012), with the facts
    /// of the shared catalogue (Shared/EventCatalog.cs): which state holds the current value at the
    /// event, which cancel scopes are open there, where a write takes effect. The body includes its
    /// lambdas and local functions; methods it calls are not followed.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class EventStateAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.StateReadBeforeItExists,
            DiagnosticDescriptors.CancelNothingCatches,
            DiagnosticDescriptors.OverrideStyleHandler,
            DiagnosticDescriptors.WriteChangesNothing);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                KnownSymbols symbols = KnownSymbols.Resolve(start.Compilation);
                if (symbols.CallbackAttribute is null || symbols.CallbackBase is null)
                {
                    return;
                }

                INamedTypeSymbol? learner = start.Compilation.GetTypeByMetadataName("CallbackGen.Learner");
                INamedTypeSymbol? cancel = start.Compilation.GetTypeByMetadataName("CallbackGen.CancelException");
                INamedTypeSymbol? tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
                // CBG0011 also comes from here for the tools that run analyzers whatever the compiler
                // errors (dotnet format, the IDE's code fixes); a build shows the generator's copy,
                // because CS0115 suppresses analyzer diagnostics there.
                start.RegisterSymbolAction(c => AnalyzeOverride(c, symbols), SymbolKind.Method);
                start.RegisterOperationBlockStartAction(block =>
                {
                    int eventIndex = HandlerEvent(block.OwningSymbol, symbols);
                    if (eventIndex < 0)
                    {
                        return;
                    }

                    var handler = new Handler(eventIndex, symbols.CallbackBase, learner, cancel, tensor);
                    block.RegisterOperationAction(handler.AnalyzePropertyReference, OperationKind.PropertyReference);
                    block.RegisterOperationAction(handler.AnalyzeThrow, OperationKind.Throw);
                });
            });
        }

        private static void AnalyzeOverride(SymbolAnalysisContext context, KnownSymbols symbols)
        {
            var method = (IMethodSymbol)context.Symbol;
            if (method.IsOverride && method.OverriddenMethod is null && method.MethodKind == MethodKind.Ordinary
                && method.Parameters.Length == 0 && EventCatalog.IndexOf(method.Name) >= 0
                && DeclarationRules.DerivesFromCallback(method.ContainingType))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.OverrideStyleHandler, method.Locations[0], method.Name));
            }
        }

        // The event of a [Callback] handler of a Callback subclass, or -1.
        private static int HandlerEvent(ISymbol owner, KnownSymbols symbols)
        {
            if (owner is not IMethodSymbol { MethodKind: MethodKind.Ordinary, IsStatic: false } method
                || !KnownSymbols.Has(method, symbols.CallbackAttribute)
                || !DeclarationRules.DerivesFromCallback(method.ContainingType))
            {
                return -1;
            }

            return EventCatalog.IndexOf(method.Name);
        }

        private sealed class Handler
        {
            private readonly int eventIndex;
            private readonly INamedTypeSymbol callback;
            private readonly INamedTypeSymbol? learner;
            private readonly INamedTypeSymbol? cancel;
            private readonly INamedTypeSymbol? tensor;

            public Handler(int eventIndex, INamedTypeSymbol callback, INamedTypeSymbol? learner, INamedTypeSymbol? cancel, INamedTypeSymbol? tensor)
            {
                this.eventIndex = eventIndex;
                this.callback = callback;
                this.learner = learner;
                this.cancel = cancel;
                this.tensor = tensor;
            }

            private string EventName => EventCatalog.Names[eventIndex];

            public void AnalyzePropertyReference(OperationAnalysisContext context)
            {
                var reference = (IPropertyReferenceOperation)context.Operation;
                StateInfo? state = StateOf(reference.Property);
                if (state is null)
                {
                    return;
                }

                bool written = IsWriteTarget(reference, out bool alsoRead);
                if (written && state.WritableAt.Length > 0 && !EventCatalog.WriteTakesEffect(state, eventIndex))
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.WriteChangesNothing,
                        reference.Syntax.GetLocation(),
                        state.Name,
                        EventName,
                        Phrases.Join(state.WritableAt, "or")));
                }

                if ((!written || alsoRead) && !EventCatalog.HoldsCurrentValue(state, eventIndex))
                {
                    string why = EventCatalog.IsOutsideLifetime(state, eventIndex)
                        ? "there is no current " + state.Lifetime.ToLowerInvariant()
                        : "it is not set yet";
                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.StateReadBeforeItExists,
                        reference.Syntax.GetLocation(),
                        state.Name,
                        state.Description,
                        state.ValidFrom,
                        EventName,
                        why));
                }
            }

            public void AnalyzeThrow(OperationAnalysisContext context)
            {
                var thrown = (IThrowOperation)context.Operation;
                IOperation? exception = thrown.Exception;
                while (exception is IConversionOperation conversion)
                {
                    exception = conversion.Operand;
                }

                if (exception is not IObjectCreationOperation { Type: INamedTypeSymbol type } || !DerivesFrom(type, cancel))
                {
                    return;
                }

                int phase = EventCatalog.PhaseOfCancel(type.Name);
                if (phase < 0 || type.ContainingNamespace?.ToDisplayString() != "CallbackGen" || EventCatalog.IsCaught(phase, eventIndex))
                {
                    return;
                }

                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.CancelNothingCatches,
                    exception.Syntax.GetLocation(),
                    type.Name,
                    EventName,
                    Phrases.Join(EventCatalog.EventsCatching(phase), "or")));
            }

            // Xb, Pred, TrainStats… on Callback or Learner; grad on a tensor (a parameter is one).
            private StateInfo? StateOf(IPropertySymbol property)
            {
                INamedTypeSymbol owner = property.ContainingType.OriginalDefinition;
                bool learnerState = SymbolEqualityComparer.Default.Equals(owner, callback) || SymbolEqualityComparer.Default.Equals(owner, learner);
                bool tensorState = property.Name == "grad" && SymbolEqualityComparer.Default.Equals(owner, tensor);
                if (!learnerState && !tensorState)
                {
                    return null;
                }

                StateInfo? state = EventCatalog.StateNamed(property.Name);
                return state is not null && (state.Name == "grad") == tensorState ? state : null;
            }

            private static bool IsWriteTarget(IPropertyReferenceOperation reference, out bool alsoRead)
            {
                alsoRead = false;
                switch (reference.Parent)
                {
                    case ISimpleAssignmentOperation simple when simple.Target == reference:
                        return true;
                    case ICompoundAssignmentOperation compound when compound.Target == reference:
                    case ICoalesceAssignmentOperation coalesce when coalesce.Target == reference:
                    case IIncrementOrDecrementOperation:
                        alsoRead = true;
                        return true;
                    default:
                        return false;
                }
            }

            private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol? baseType)
            {
                for (INamedTypeSymbol? t = type.BaseType; t is not null && baseType is not null; t = t.BaseType)
                {
                    if (SymbolEqualityComparer.Default.Equals(t, baseType))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
