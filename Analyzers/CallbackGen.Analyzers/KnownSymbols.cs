using Microsoft.CodeAnalysis;

namespace CallbackGen.Analyzers
{
    /// <summary>The CallbackGen symbols of one compilation, resolved once when the compilation starts.</summary>
    internal sealed class KnownSymbols
    {
        private KnownSymbols(INamedTypeSymbol? callbackAttribute, INamedTypeSymbol? callbackBase, INamedTypeSymbol? annealerAttribute, INamedTypeSymbol? generatedCodeAttribute)
        {
            CallbackAttribute = callbackAttribute;
            CallbackBase = callbackBase;
            AnnealerAttribute = annealerAttribute;
            GeneratedCodeAttribute = generatedCodeAttribute;
        }

        /// <summary><c>CallbackGen.CallbackAttribute</c>, or null when the runtime is not referenced.</summary>
        public INamedTypeSymbol? CallbackAttribute { get; }

        /// <summary><c>CallbackGen.Callback</c>.</summary>
        public INamedTypeSymbol? CallbackBase { get; }

        /// <summary><c>CallbackGen.AnnealerAttribute</c>.</summary>
        public INamedTypeSymbol? AnnealerAttribute { get; }

        /// <summary><c>System.CodeDom.Compiler.GeneratedCodeAttribute</c>: marks the generator's own output.</summary>
        public INamedTypeSymbol? GeneratedCodeAttribute { get; }

        public static KnownSymbols Resolve(Compilation compilation) => new KnownSymbols(
            compilation.GetTypeByMetadataName("CallbackGen.CallbackAttribute"),
            compilation.GetTypeByMetadataName("CallbackGen.Callback"),
            compilation.GetTypeByMetadataName("CallbackGen.AnnealerAttribute"),
            compilation.GetTypeByMetadataName("System.CodeDom.Compiler.GeneratedCodeAttribute"));

        public static bool Has(ISymbol symbol, INamedTypeSymbol? attribute)
        {
            if (attribute is null)
            {
                return false;
            }

            foreach (AttributeData a in symbol.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True for a member the CallbackGen generator wrote (its [GeneratedCode] names the generator).</summary>
        public bool IsGeneratedByCallbackGen(ISymbol symbol)
        {
            foreach (AttributeData a in symbol.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(a.AttributeClass, GeneratedCodeAttribute)
                    && a.ConstructorArguments.Length > 0
                    && a.ConstructorArguments[0].Value is string tool
                    && tool == "CallbackGen.Generators")
                {
                    return true;
                }
            }

            return false;
        }
    }
}
