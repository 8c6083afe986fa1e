using Microsoft.CodeAnalysis;

namespace CallbackGen.Benchmarks.Generator;

/// <summary>
/// The floor any attribute-driven generator pays: Roslyn's ForAttributeWithMetadataName finding the
/// same [Callback] and [Annealer] methods and binding their attributes, with a transform that does
/// nothing and no output. CallbackGen's time minus this one's is what its own parser and emitter cost.
/// </summary>
internal sealed class AttributeFloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        foreach (string attribute in new[] { "CallbackGen.CallbackAttribute", "CallbackGen.AnnealerAttribute" })
        {
            IncrementalValuesProvider<string> found = context.SyntaxProvider.ForAttributeWithMetadataName(
                attribute,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                transform: static (ctx, _) => ctx.TargetSymbol.Name);
            context.RegisterSourceOutput(found, static (_, _) => { });
        }
    }
}
