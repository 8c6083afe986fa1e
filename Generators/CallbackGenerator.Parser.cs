using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CallbackGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.Generators
{
    public sealed partial class CallbackGenerator
    {
        /// <summary>Symbols to models. Invalid input yields null: the analyzers report it.</summary>
        internal static class Parser
        {
            private const string CallbackBaseName = "CallbackGen.Callback";

            private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

            public static CallbackClassModel? ParseCallbackClass(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                if (ctx.TargetSymbol is not IMethodSymbol { ContainingType: { } type })
                {
                    return null;
                }

                if (type.TypeKind != TypeKind.Class || !DerivesFrom(type, CallbackBaseName) || !AllPartial(type, ct))
                {
                    return null;
                }

                int classOrder = ReadOrder(type.GetAttributes(), ctx.Attributes[0].AttributeClass, out _);
                var handlers = new List<HandlerModel>();
                var seen = new HashSet<int>();
                foreach (ISymbol member in type.GetMembers())
                {
                    ct.ThrowIfCancellationRequested();
                    if (member is not IMethodSymbol method || method.MethodKind != MethodKind.Ordinary)
                    {
                        continue;
                    }

                    AttributeData? attribute = method.GetAttributes()
                        .FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, ctx.Attributes[0].AttributeClass));
                    if (attribute is null || !IsValidHandler(method))
                    {
                        continue;
                    }

                    int eventIndex = EventCatalog.IndexOf(method.Name);
                    if (eventIndex < 0 || !seen.Add(eventIndex))
                    {
                        continue;
                    }

                    int order = ReadOrder(new[] { attribute }, attribute.AttributeClass, out bool hasOrder);
                    int every = ReadNamed(attribute, "Every");
                    handlers.Add(new HandlerModel(method.Name, eventIndex, hasOrder ? order : classOrder, every));
                }

                if (handlers.Count == 0)
                {
                    return null;
                }

                handlers.Sort((a, b) => a.EventIndex.CompareTo(b.EventIndex));
                string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
                return new CallbackClassModel(
                    ns,
                    ContainingTypes(type),
                    Declaration(type),
                    HintName(type) + ".Callback.g.cs",
                    EquatableArray.From(handlers));
            }

            public static AnnealerModel? ParseAnnealer(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                if (ctx.TargetSymbol is not IMethodSymbol method || method.ContainingType is not { } type)
                {
                    return null;
                }

                if (!method.IsStatic || method.IsGenericMethod || method.ReturnType.SpecialType != SpecialType.System_Double
                    || method.Parameters.Length < 2 || !type.IsStatic || !AllPartial(type, ct))
                {
                    return null;
                }

                IParameterSymbol position = method.Parameters[method.Parameters.Length - 1];
                if (position.Type.SpecialType != SpecialType.System_Double || method.Parameters.Any(p => p.RefKind != RefKind.None || p.IsParams))
                {
                    return null;
                }

                var leading = method.Parameters.Take(method.Parameters.Length - 1)
                    .Select(p => new ParameterModel(p.Type.ToDisplayString(TypeFormat), Escape(p.Name)))
                    .ToArray();

                // An existing member with the generated signature would collide (CBG0008): skip it.
                bool collides = type.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m =>
                    m.Parameters.Length == leading.Length
                    && m.Parameters.Select(p => p.Type.ToDisplayString(TypeFormat)).SequenceEqual(leading.Select(l => l.Type)));
                if (collides)
                {
                    return null;
                }

                string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
                var containing = ContainingTypes(type).Concat(new[] { Declaration(type) }).ToArray();
                return new AnnealerModel(
                    ns,
                    new EquatableArray<TypeDeclaration>(containing),
                    $"{HintName(type)}.{method.Name}.{leading.Length}.Annealer.g.cs",
                    Accessibility(method.DeclaredAccessibility),
                    method.Name,
                    new EquatableArray<ParameterModel>(leading),
                    Escape(position.Name),
                    Summary(method.GetDocumentationCommentXml(cancellationToken: ct)));
            }

            private static bool IsValidHandler(IMethodSymbol m) =>
                !m.IsStatic && !m.IsGenericMethod && m.Parameters.Length == 0 && m.ReturnsVoid && !m.IsAsync && !m.IsAbstract;

            private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
            {
                for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
                {
                    if (t.ToDisplayString() == metadataName)
                    {
                        return true;
                    }
                }

                return false;
            }

            private static bool AllPartial(INamedTypeSymbol type, CancellationToken ct)
            {
                for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                {
                    bool partial = t.DeclaringSyntaxReferences.Length > 0 && t.DeclaringSyntaxReferences.All(r =>
                        r.GetSyntax(ct) is TypeDeclarationSyntax decl && decl.Modifiers.Any(SyntaxKind.PartialKeyword));
                    if (!partial)
                    {
                        return false;
                    }
                }

                return true;
            }

            private static int ReadOrder(IEnumerable<AttributeData> attributes, INamedTypeSymbol? attributeClass, out bool found)
            {
                found = false;
                foreach (AttributeData a in attributes)
                {
                    if (!SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeClass))
                    {
                        continue;
                    }

                    foreach (KeyValuePair<string, TypedConstant> arg in a.NamedArguments)
                    {
                        if (arg.Key == "Order" && arg.Value.Value is int order)
                        {
                            found = true;
                            return order;
                        }
                    }
                }

                return 0;
            }

            private static int ReadNamed(AttributeData attribute, string name)
            {
                foreach (KeyValuePair<string, TypedConstant> arg in attribute.NamedArguments)
                {
                    if (arg.Key == name && arg.Value.Value is int value)
                    {
                        return value;
                    }
                }

                return 0;
            }

            private static EquatableArray<TypeDeclaration> ContainingTypes(INamedTypeSymbol type)
            {
                var list = new List<TypeDeclaration>();
                for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
                {
                    list.Insert(0, Declaration(t));
                }

                return new EquatableArray<TypeDeclaration>(list.ToArray());
            }

            private static TypeDeclaration Declaration(INamedTypeSymbol t)
            {
                string keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record")
                    : t.TypeKind == TypeKind.Struct ? "struct"
                    : t.TypeKind == TypeKind.Interface ? "interface"
                    : "class";
                if (t.IsStatic)
                {
                    keyword = "static " + keyword;
                }

                string name = Escape(t.Name);
                if (t.TypeParameters.Length > 0)
                {
                    name += "<" + string.Join(", ", t.TypeParameters.Select(p => Escape(p.Name))) + ">";
                }

                return new TypeDeclaration(keyword, name);
            }

            private static string HintName(INamedTypeSymbol type)
            {
                string name = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
                    .Replace("global::", string.Empty);
                var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '.' || c == '_' ? c : '_').ToArray();
                return new string(chars);
            }

            private static string Escape(string identifier) =>
                SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

            private static string Accessibility(Accessibility a) => a switch
            {
                Microsoft.CodeAnalysis.Accessibility.Public => "public",
                Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
                Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
                Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
                Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
                _ => "private",
            };

            private static string? Summary(string? xml)
            {
                if (string.IsNullOrWhiteSpace(xml))
                {
                    return null;
                }

                int start = xml!.IndexOf("<summary>", System.StringComparison.Ordinal);
                int end = xml.IndexOf("</summary>", System.StringComparison.Ordinal);
                if (start < 0 || end <= start)
                {
                    return null;
                }

                string text = xml.Substring(start + 9, end - start - 9);
                return string.Join(" ", text.Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
            }
        }
    }
}
