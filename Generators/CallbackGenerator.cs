using System.Linq;
using CallbackGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Generators
{
    /// <summary>
    /// Turns [Callback] methods into reflection-free dispatch and [Annealer] methods into
    /// partial-application factories. Wiring only: see the Parser and Emitter parts.
    /// </summary>
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
            public const string CallbackClasses = nameof(CallbackClasses);

            /// <summary>The distinct valid class models, one item each.</summary>
            public const string DistinctCallbackClasses = nameof(DistinctCallbackClasses);

            /// <summary>Per [Annealer] method: its model (or null when invalid).</summary>
            public const string Annealers = nameof(Annealers);

            /// <summary>The valid annealer models.</summary>
            public const string ValidAnnealers = nameof(ValidAnnealers);
        }

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<CallbackClassModel> classes = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    CallbackAttributeName,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.ParseCallbackClass(ctx, ct))
                .WithTrackingName(TrackingNames.CallbackClasses)
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .Collect()
                .SelectMany(static (all, _) => all.Distinct().OrderBy(m => m.HintName, System.StringComparer.Ordinal))
                .WithTrackingName(TrackingNames.DistinctCallbackClasses);

            context.RegisterSourceOutput(classes, static (spc, model) =>
                spc.AddSource(model.HintName, Emitter.EmitCallbackClass(model)));

            IncrementalValuesProvider<AnnealerModel> annealers = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    AnnealerAttributeName,
                    predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.ParseAnnealer(ctx, ct))
                .WithTrackingName(TrackingNames.Annealers)
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .WithTrackingName(TrackingNames.ValidAnnealers);

            context.RegisterSourceOutput(annealers, static (spc, model) =>
                spc.AddSource(model.HintName, Emitter.EmitAnnealer(model)));
        }
    }
}
