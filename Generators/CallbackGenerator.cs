using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using CallbackGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.Generators
{
    /// <summary>
    /// Turns [Callback] methods into reflection-free dispatch and [Annealer] methods into
    /// partial-application factories. Wiring only: see the Parser and Emitter parts.
    /// </summary>
    /// <remarks>
    /// Each pipeline is: attribute hits → one equatable model per hit (no symbols, syntax or
    /// compilation past the transform) → collected, de-duplicated and grouped per class in ordinal
    /// order → one file per class. A class whose model did not change is not re-emitted.
    /// </remarks>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class CallbackGenerator : IIncrementalGenerator
    {
        /// <summary>Metadata name of the handler attribute.</summary>
        public const string CallbackAttributeName = "CallbackGen.CallbackAttribute";

        /// <summary>Metadata name of the annealer attribute.</summary>
        public const string AnnealerAttributeName = "CallbackGen.AnnealerAttribute";

        /// <summary>Tracking names of the pipeline steps, asserted by the caching tests.</summary>
        public static class TrackingNames
        {
            /// <summary>Per [Callback] method: the model of its whole class (or null when invalid).</summary>
            public const string CallbackHandlers = nameof(CallbackHandlers);

            /// <summary>One model per callback class, ordered by file name.</summary>
            public const string CallbackClasses = nameof(CallbackClasses);

            /// <summary>Per [Annealer] method: its model (or null when invalid).</summary>
            public const string AnnealerMethods = nameof(AnnealerMethods);

            /// <summary>One model per class with annealers, ordered by file name.</summary>
            public const string AnnealerClasses = nameof(AnnealerClasses);

            /// <summary>Per [Checkpointed] member: the state model of its whole class (or null when invalid).</summary>
            public const string StateMembers = nameof(StateMembers);

            /// <summary>One state model per callback class with [Checkpointed] members, ordered by file name.</summary>
            public const string StateClasses = nameof(StateClasses);

            /// <summary>Whether this compilation is the runtime's, which gets the catalogue's enums.</summary>
            public const string EventCatalogTypes = nameof(EventCatalogTypes);

            /// <summary>Per event-named <c>override</c> method with nothing to override: where it is (CBG0011).</summary>
            public const string OverrideHandlers = nameof(OverrideHandlers);
        }

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // The runtime's Event and Phase enums come from the catalogue (its project sets the property).
            IncrementalValueProvider<bool> emitCatalog = context.AnalyzerConfigOptionsProvider
                .Select(static (options, _) => CatalogEmitter.IsRequested(options))
                .WithTrackingName(TrackingNames.EventCatalogTypes);
            context.RegisterSourceOutput(emitCatalog, static (spc, emit) =>
            {
                if (emit)
                {
                    spc.AddSource(CatalogEmitter.HintName, CatalogEmitter.Emit());
                }
            });

            IncrementalValuesProvider<CallbackClassModel> classes = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    CallbackAttributeName,
                    predicate: static (node, _) => node is MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.ParseCallbackClass(ctx, ct))
                .WithTrackingName(TrackingNames.CallbackHandlers)
                .Where(static m => m is not null)
                .Collect()
                .SelectMany(static (all, ct) => DistinctClasses(all!, ct))
                .WithTrackingName(TrackingNames.CallbackClasses);

            context.RegisterSourceOutput(classes, static (spc, model) =>
                spc.AddSource(model.HintName, Emitter.EmitCallbackClass(model)));

            IncrementalValuesProvider<AnnealerClassModel> annealers = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AnnealerAttributeName,
                    predicate: static (node, _) => node is MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.ParseAnnealer(ctx, ct))
                .WithTrackingName(TrackingNames.AnnealerMethods)
                .Where(static m => m is not null)
                .Collect()
                .SelectMany(static (all, ct) => GroupAnnealers(all!, ct))
                .WithTrackingName(TrackingNames.AnnealerClasses);

            context.RegisterSourceOutput(annealers, static (spc, model) =>
                spc.AddSource(model.HintName, Emitter.EmitAnnealers(model)));

            // Its own pipeline, keyed on [Checkpointed]: an edit of a handler body leaves it cached.
            IncrementalValuesProvider<StateClassModel> states = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    StateTypes.CheckpointedAttributeName,
                    predicate: static (node, _) => node is VariableDeclaratorSyntax or PropertyDeclarationSyntax,
                    transform: static (ctx, ct) => StateParser.ParseStateClass(ctx, ct))
                .WithTrackingName(TrackingNames.StateMembers)
                .Where(static m => m is not null)
                .Collect()
                .SelectMany(static (all, ct) => DistinctStates(all!, ct))
                .WithTrackingName(TrackingNames.StateClasses);

            context.RegisterSourceOutput(states, static (spc, model) =>
                spc.AddSource(model.HintName, StateEmitter.EmitStateClass(model)));

            // `public override void AfterEpoch()` (the Keras/Lightning habit) is CS0115, which hides
            // every analyzer diagnostic: the generator says what was meant (CBG0011).
            IncrementalValuesProvider<OverrideHandlerModel> overrides = context.SyntaxProvider
                .CreateSyntaxProvider(
                    predicate: static (node, _) => Parser.IsEventNamedOverride(node),
                    transform: static (ctx, ct) => Parser.ParseOverrideHandler(ctx, ct))
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .WithTrackingName(TrackingNames.OverrideHandlers);

            context.RegisterSourceOutput(overrides, static (spc, m) =>
                spc.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.OverrideStyleHandler,
                    Location.Create(m.FilePath, m.Span, m.LineSpan),
                    m.Name)));
        }

        // Only a class's first valid handler yields a model (Parser.ParseCallbackClass), but a partial
        // class declared in several files can still produce equal models: keep one.
        private static ImmutableArray<CallbackClassModel> DistinctClasses(ImmutableArray<CallbackClassModel> all, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            CallbackClassModel[] distinct = all.Distinct().OrderBy(m => m.Container.HintStem, StringComparer.Ordinal).ToArray();
            string[] stems = UniqueStems(distinct.Select(m => m.Container.HintStem).ToArray());
            return distinct.Select((m, i) => m with { Container = m.Container with { HintStem = stems[i] } }).ToImmutableArray();
        }

        private static ImmutableArray<StateClassModel> DistinctStates(ImmutableArray<StateClassModel> all, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            StateClassModel[] distinct = all.Distinct().OrderBy(m => m.Container.HintStem, StringComparer.Ordinal).ToArray();
            string[] stems = UniqueStems(distinct.Select(m => m.Container.HintStem).ToArray());
            return distinct.Select((m, i) => m with { Container = m.Container with { HintStem = stems[i] } }).ToImmutableArray();
        }

        private static ImmutableArray<AnnealerClassModel> GroupAnnealers(ImmutableArray<AnnealerModel> all, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            AnnealerClassModel[] classes = all
                .Distinct()
                .GroupBy(a => a.Container)
                .Select(g => new AnnealerClassModel(g.Key, EquatableArray.From(g
                    .Select(a => a.Method)
                    .OrderBy(m => m.Name, StringComparer.Ordinal)
                    .ThenBy(m => m.OriginalCref, StringComparer.Ordinal))))
                .OrderBy(c => c.Container.HintStem, StringComparer.Ordinal)
                .ToArray();
            string[] stems = UniqueStems(classes.Select(c => c.Container.HintStem).ToArray());
            return classes.Select((c, i) => c with { Container = c.Container with { HintStem = stems[i] } }).ToImmutableArray();
        }

        // File names are compared without case; types named Foo and foo get Foo and foo_2 (ordinal
        // order decides, so the result is deterministic). Without this AddSource would throw.
        private static string[] UniqueStems(string[] stems)
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var result = new string[stems.Length];
            for (int i = 0; i < stems.Length; i++)
            {
                string stem = stems[i];
                for (int n = 2; !used.Add(stem); n++)
                {
                    stem = stems[i] + "_" + n;
                }

                result[i] = stem;
            }

            return result;
        }
    }
}
