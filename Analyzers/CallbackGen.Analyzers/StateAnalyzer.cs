using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// Callback state and resume (CBG0013, CBG0014): a field that handlers write but that nobody
    /// checkpoints is lost on resume; a [Checkpointed] member that the generated state cannot store
    /// would be lost too. The type rules are the generator's own (Shared/StateTypes.cs).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class StateAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            DiagnosticDescriptors.StateWillNotSurviveResume,
            DiagnosticDescriptors.CheckpointedTypeNotSupported);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                KnownSymbols symbols = KnownSymbols.Resolve(start.Compilation);
                INamedTypeSymbol? checkpointed = start.Compilation.GetTypeByMetadataName(StateTypes.CheckpointedAttributeName);
                INamedTypeSymbol? transient = start.Compilation.GetTypeByMetadataName(StateTypes.TransientAttributeName);
                INamedTypeSymbol? handWritten = start.Compilation.GetTypeByMetadataName("CallbackGen.ICheckpointable");
                if (symbols.CallbackBase is null || checkpointed is null || transient is null)
                {
                    return; // an older runtime, or none: nothing to check
                }

                start.RegisterSymbolAction(c => AnalyzeCheckpointed(c, checkpointed), SymbolKind.Field, SymbolKind.Property);
                start.RegisterSymbolStartAction(
                    typeStart =>
                    {
                        var type = (INamedTypeSymbol)typeStart.Symbol;
                        if (type.TypeKind != TypeKind.Class || !DeclarationRules.DerivesFromCallback(type) || KnownSymbols.Has(type, transient)
                            || (handWritten is not null && type.AllInterfaces.Contains(handWritten, SymbolEqualityComparer.Default)))
                        {
                            return; // not a callback, transient as a whole, or its state is written by hand
                        }

                        // Per member, the writing method first in source order (operations arrive in any
                        // order: concurrent execution), reported once when the type is done.
                        var written = new ConcurrentDictionary<ISymbol, (string Method, Location Where)>(SymbolEqualityComparer.Default);
                        typeStart.RegisterOperationAction(
                            op => CollectWrite(op, type, written, checkpointed, transient),
                            OperationKind.SimpleAssignment,
                            OperationKind.CompoundAssignment,
                            OperationKind.CoalesceAssignment,
                            OperationKind.Increment,
                            OperationKind.Decrement,
                            OperationKind.DeconstructionAssignment);
                        typeStart.RegisterSymbolEndAction(end =>
                        {
                            foreach (var pair in written.OrderBy(p => p.Key.Locations[0].SourceSpan.Start))
                            {
                                end.ReportDiagnostic(Diagnostic.Create(
                                    DiagnosticDescriptors.StateWillNotSurviveResume, pair.Key.Locations[0], pair.Key.Name, pair.Value.Method));
                            }
                        });
                    },
                    SymbolKind.NamedType);
            });
        }

        private static void AnalyzeCheckpointed(SymbolAnalysisContext context, INamedTypeSymbol checkpointed)
        {
            ISymbol member = context.Symbol;
            if (member.IsImplicitlyDeclared || !KnownSymbols.Has(member, checkpointed))
            {
                return;
            }

            string? problem = StateTypes.DeclarationProblem(member);
            if (problem is null && member.ContainingType is { } type && !IsPartialChain(type, context.CancellationToken))
            {
                problem = $"its class '{type.Name}' (or a class containing it) is not partial, so no state code can be generated for it; add 'partial'";
            }

            if (problem is null && StateTypes.TypeOf(member) is { } memberType)
            {
                StateType? stored = StateTypes.Classify(memberType, member.ContainingAssembly, out string reason);
                problem = stored is null ? reason : null;
            }

            if (problem is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.CheckpointedTypeNotSupported, member.Locations[0], member.Name, problem));
            }
        }

        private static void CollectWrite(OperationAnalysisContext context, INamedTypeSymbol type, ConcurrentDictionary<ISymbol, (string Method, Location Where)> written,
            INamedTypeSymbol checkpointed, INamedTypeSymbol transient)
        {
            // Constructors set up; only writes after construction (handlers and what they call) are state.
            if (context.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor }
                || context.ContainingSymbol is IFieldSymbol or IPropertySymbol)
            {
                return;
            }

            foreach (IOperation target in Targets(context.Operation))
            {
                ISymbol? member = target switch
                {
                    IFieldReferenceOperation { Instance: IInstanceReferenceOperation } f => f.Field,
                    IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: { IsIndexer: false } p } when StateTypes.IsAutoProperty(p) => p,
                    _ => null,
                };

                if (member is null || member.IsStatic || member.IsImplicitlyDeclared
                    || !SymbolEqualityComparer.Default.Equals(member.ContainingType, type)
                    || (member is IFieldSymbol { IsReadOnly: true } or IFieldSymbol { IsConst: true })
                    || KnownSymbols.Has(member, checkpointed) || KnownSymbols.Has(member, transient))
                {
                    continue;
                }

                var found = (context.ContainingSymbol.Name, context.Operation.Syntax.GetLocation());
                written.AddOrUpdate(member, found, (_, known) => Earlier(found.Item2, known.Where) ? found : known);
            }
        }

        private static bool Earlier(Location a, Location b)
        {
            int byFile = string.CompareOrdinal(a.SourceTree?.FilePath, b.SourceTree?.FilePath);
            return byFile != 0 ? byFile < 0 : a.SourceSpan.Start < b.SourceSpan.Start;
        }

        private static IOperation[] Targets(IOperation operation) => operation switch
        {
            IDeconstructionAssignmentOperation d => Flatten(d.Target).ToArray(),
            IAssignmentOperation a => new[] { a.Target },
            IIncrementOrDecrementOperation i => new[] { i.Target },
            _ => System.Array.Empty<IOperation>(),
        };

        private static System.Collections.Generic.IEnumerable<IOperation> Flatten(IOperation target)
        {
            if (target is ITupleOperation tuple)
            {
                return tuple.Elements.SelectMany(Flatten);
            }

            return target is IDeclarationExpressionOperation ? Enumerable.Empty<IOperation>() : new[] { target };
        }

        private static bool IsPartialChain(INamedTypeSymbol type, System.Threading.CancellationToken ct)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                foreach (SyntaxReference r in t.DeclaringSyntaxReferences)
                {
                    if (r.GetSyntax(ct) is TypeDeclarationSyntax decl && !decl.Modifiers.Any(m => m.ValueText == "partial"))
                    {
                        return false;
                    }
                }
            }

            return true;
        }
    }
}
