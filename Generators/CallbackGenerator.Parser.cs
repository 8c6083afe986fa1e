using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Xml;
using System.Xml.Linq;
using CallbackGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CallbackGen.Generators
{
    public sealed partial class CallbackGenerator
    {
        /// <summary>
        /// Symbols to models. Invalid or half-typed input yields null (or leaves a handler out): the
        /// analyzers report it, the generator stays silent and never throws.
        /// </summary>
        internal static class Parser
        {
            // Parameter types as the emitter writes them: global:: names, keywords for special types,
            // nullable annotations kept so the generated overload matches the user's nullable context.
            private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

            /// <summary>
            /// The model of the class that declares the [Callback] method <c>ctx.TargetSymbol</c>
            /// when that method is the class's first valid handler; null for the others and for
            /// invalid input. Every transform re-runs when the compilation changes, so the first
            /// handler always sees the class's current members, wherever the edit was.
            /// </summary>
            public static CallbackClassModel? ParseCallbackClass(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                if (ctx.TargetSymbol is not IMethodSymbol { ContainingType: { } type } || ctx.Attributes.IsEmpty)
                {
                    return null;
                }

                var target = (IMethodSymbol)ctx.TargetSymbol;
                INamedTypeSymbol? attributeClass = ctx.Attributes[0].AttributeClass;
                if (attributeClass is null || type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic
                    || !DerivesFromCallback(type) || !IsDeclarable(type, ct))
                {
                    return null;
                }

                // The class-level [Callback(Order = …)] is the default of its handlers.
                AttributeData? classAttribute = Find(type.GetAttributes(), attributeClass);
                int classOrder = classAttribute is null ? 0 : ReadInt(classAttribute, "Order") ?? 0;

                var handlers = new List<HandlerModel>();
                var seen = new HashSet<int>();
                foreach (ISymbol member in type.GetMembers())
                {
                    ct.ThrowIfCancellationRequested();
                    if (member is not IMethodSymbol method || method.MethodKind != MethodKind.Ordinary || DeclarationRules.HandlerProblems(method).Count > 0)
                    {
                        continue;
                    }

                    AttributeData? attribute = Find(method.GetAttributes(), attributeClass);
                    int eventIndex = EventCatalog.IndexOf(method.Name);

                    // Unknown names (CBG0001) and second handlers of one event (CBG0005) are left out.
                    if (attribute is null || eventIndex < 0 || !seen.Add(eventIndex))
                    {
                        continue;
                    }

                    // Only the class's first valid handler (in member order) builds the model, so a
                    // class with n handlers costs one scan, not n. The others stop here with null.
                    if (handlers.Count == 0 && !SymbolEqualityComparer.Default.Equals(method, target))
                    {
                        return null;
                    }

                    handlers.Add(new HandlerModel(
                        Escape(method.Name),
                        eventIndex,
                        ReadInt(attribute, "Order") ?? classOrder,
                        Math.Max(0, ReadInt(attribute, "Every") ?? 0),
                        ReadBool(attribute, "Once") ?? false));
                }

                if (handlers.Count == 0)
                {
                    return null;
                }

                handlers.Sort((a, b) => a.EventIndex.CompareTo(b.EventIndex));
                return new CallbackClassModel(ContainerOf(type), EquatableArray.From(handlers), classOrder);
            }

            /// <summary>Syntax only: a parameterless method named like an event and declared <c>override</c>.</summary>
            public static bool IsEventNamedOverride(SyntaxNode node) =>
                node is MethodDeclarationSyntax m
                && m.ParameterList.Parameters.Count == 0
                && m.Modifiers.Any(SyntaxKind.OverrideKeyword)
                && EventCatalog.IndexOf(m.Identifier.ValueText) >= 0;

            /// <summary>
            /// The CBG0011 model of an event-named <c>override</c> in a Callback subclass that overrides
            /// nothing (a real override of a user's virtual handler is fine), or null.
            /// </summary>
            public static OverrideHandlerModel? ParseOverrideHandler(GeneratorSyntaxContext ctx, CancellationToken ct)
            {
                var syntax = (MethodDeclarationSyntax)ctx.Node;
                if (ctx.SemanticModel.GetDeclaredSymbol(syntax, ct) is not IMethodSymbol method
                    || method.OverriddenMethod is not null
                    || method.ContainingType is not { TypeKind: TypeKind.Class } type
                    || !DerivesFromCallback(type))
                {
                    return null;
                }

                Location location = syntax.Identifier.GetLocation();
                FileLinePositionSpan lines = location.GetLineSpan();
                return new OverrideHandlerModel(method.Name, lines.Path ?? string.Empty, location.SourceSpan, lines.Span);
            }

            /// <summary>The model of the [Annealer] method <c>ctx.TargetSymbol</c>, or null when its shape is invalid.</summary>
            public static AnnealerModel? ParseAnnealer(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                if (ctx.TargetSymbol is not IMethodSymbol { ContainingType: { } type } method)
                {
                    return null;
                }

                // The shared rules (CBG0007), then what only code generation needs: real identifiers
                // and resolved types (compiler-made names and error types come with compiler errors).
                if (method.MethodKind != MethodKind.Ordinary || type.TypeKind != TypeKind.Class
                    || DeclarationRules.AnnealerProblems(method, ct).Count > 0
                    || !IsIdentifier(method.Name) || !IsDeclarable(type, ct)
                    || method.Parameters.Any(p => !IsIdentifier(p.Name) || p.Type.TypeKind == TypeKind.Error))
                {
                    return null;
                }

                IParameterSymbol position = method.Parameters[method.Parameters.Length - 1];

                XElement? docs = Documentation(method, ct);
                IParameterSymbol[] leadingSymbols = method.Parameters.Take(method.Parameters.Length - 1).ToArray();
                var leading = leadingSymbols
                    .Select(p => new ParameterModel(p.Type.ToDisplayString(TypeFormat), Escape(p.Name), ParamDoc(docs, p.Name, position.Name)))
                    .ToArray();

                // The generated overload must not collide with an existing member (CBG0008 reports it).
                bool collides = type.GetMembers(method.Name).OfType<IMethodSymbol>().Any(m =>
                    m.Parameters.Length == leadingSymbols.Length
                    && m.Parameters.Zip(leadingSymbols, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));
                if (collides)
                {
                    return null;
                }

                string cref = method.GetDocumentationCommentId() ?? string.Empty;
                var model = new AnnealerMethodModel(
                    Accessibility(method.DeclaredAccessibility),
                    Escape(method.Name),
                    new EquatableArray<ParameterModel>(leading),
                    Escape(position.Name),
                    ElementText(docs?.Element("summary"), position.Name),
                    cref);
                return new AnnealerModel(ContainerOf(type), model);
            }

            internal static bool DerivesFromCallback(INamedTypeSymbol type) => DeclarationRules.DerivesFromCallback(type);

            // The generator can add a part to the type only when it and every containing type are
            // declared partial in source (the shared rule), and every name on the way is a real identifier.
            internal static bool IsDeclarable(INamedTypeSymbol type, CancellationToken ct)
            {
                for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                {
                    if (!IsIdentifier(t.Name) || t.TypeKind == TypeKind.Error || !DeclarationRules.IsPartial(t, ct))
                    {
                        return false;
                    }
                }

                for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
                {
                    if (!IsIdentifier(ns.Name))
                    {
                        return false;
                    }
                }

                return true;
            }

            private static bool IsIdentifier(string name) => name.Length > 0 && SyntaxFacts.IsValidIdentifier(name);

            /// <summary>True when <paramref name="name"/> is a valid identifier (not a compiler-made name).</summary>
            internal static bool IsIdentifierName(string name) => IsIdentifier(name);

            /// <summary>The identifier as C# code, with '@' before keywords.</summary>
            internal static string EscapeName(string identifier) => Escape(identifier);

            private static AttributeData? Find(IEnumerable<AttributeData> attributes, INamedTypeSymbol attributeClass) =>
                attributes.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeClass));

            private static int? ReadInt(AttributeData attribute, string name)
            {
                foreach (KeyValuePair<string, TypedConstant> arg in attribute.NamedArguments)
                {
                    if (arg.Key == name && arg.Value.Kind == TypedConstantKind.Primitive && arg.Value.Value is int value)
                    {
                        return value;
                    }
                }

                return null;
            }

            private static bool? ReadBool(AttributeData attribute, string name)
            {
                foreach (KeyValuePair<string, TypedConstant> arg in attribute.NamedArguments)
                {
                    if (arg.Key == name && arg.Value.Kind == TypedConstantKind.Primitive && arg.Value.Value is bool value)
                    {
                        return value;
                    }
                }

                return null;
            }

            internal static TypeContainer ContainerOf(INamedTypeSymbol type)
            {
                var hint = new StringBuilder();
                var namespaces = new List<string>();
                for (INamespaceSymbol? n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
                {
                    namespaces.Insert(0, n.Name);
                }

                // File names: namespace parts joined by '.', nested types by '-', arity in braces, so
                // N.A.B (namespace N.A) and N.A-B (B nested in A) differ. Case clashes are resolved later.
                foreach (string part in namespaces)
                {
                    hint.Append(HintSafe(part)).Append('.');
                }

                var typeChain = new List<INamedTypeSymbol>();
                for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
                {
                    typeChain.Insert(0, t);
                }

                for (int i = 0; i < typeChain.Count; i++)
                {
                    hint.Append(i == 0 ? string.Empty : "-").Append(HintSafe(typeChain[i].Name));
                    if (typeChain[i].Arity > 0)
                    {
                        hint.Append('{').Append(typeChain[i].Arity).Append('}');
                    }
                }

                string? fullNamespace = namespaces.Count == 0 ? null : string.Join(".", namespaces.Select(Escape));
                return new TypeContainer(fullNamespace, EquatableArray.From(typeChain.Select(Declaration)), hint.ToString());
            }

            private static TypeDeclaration Declaration(INamedTypeSymbol t)
            {
                string keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record")
                    : t.TypeKind == TypeKind.Struct ? "struct"
                    : t.TypeKind == TypeKind.Interface ? "interface"
                    : "class";
                string name = Escape(t.Name);
                if (t.TypeParameters.Length > 0)
                {
                    name += "<" + string.Join(", ", t.TypeParameters.Select(p => Escape(p.Name))) + ">";
                }

                return new TypeDeclaration(keyword, name);
            }

            private static string HintSafe(string name)
            {
                var chars = name.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
                return new string(chars);
            }

            // '@' is legal before any identifier; put it before every keyword, contextual ones included.
            private static string Escape(string identifier) =>
                SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) != SyntaxKind.None
                    ? "@" + identifier
                    : identifier;

            private static string Accessibility(Accessibility a) => a switch
            {
                Microsoft.CodeAnalysis.Accessibility.Public => "public",
                Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
                Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
                Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
                Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
                _ => "private",
            };

            // The compiler's view of the doc comment: crefs come back as documentation ids ("T:…"),
            // which the emitter can write verbatim without binding them in the generated file.
            private static XElement? Documentation(IMethodSymbol method, CancellationToken ct)
            {
                string? xml = method.GetDocumentationCommentXml(expandIncludes: false, cancellationToken: ct);
                if (string.IsNullOrWhiteSpace(xml))
                {
                    return null;
                }

                try
                {
                    return XElement.Parse(xml, LoadOptions.None);
                }
                catch (XmlException)
                {
                    // A badly formed comment is the compiler's to report; derive the docs instead.
                    return null;
                }
            }

            private static string? ParamDoc(XElement? docs, string name, string positionName) =>
                ElementText(docs?.Elements("param").FirstOrDefault(e => (string?)e.Attribute("name") == name), positionName);

            // The element's inner XML on one line. A reference to the position parameter becomes
            // <c>pos</c>: the generated overload has no such parameter to refer to.
            private static string? ElementText(XElement? element, string positionName)
            {
                if (element is null)
                {
                    return null;
                }

                var copy = new XElement(element);
                foreach (XElement paramref in copy.Descendants("paramref").ToArray())
                {
                    if ((string?)paramref.Attribute("name") == positionName)
                    {
                        paramref.ReplaceWith(new XElement("c", positionName));
                    }
                }

                string text = string.Concat(copy.Nodes().Select(n => n.ToString(SaveOptions.DisableFormatting)));
                string oneLine = string.Join(" ", text.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Trim())
                    .Where(l => l.Length > 0));
                return oneLine.Length == 0 ? null : oneLine;
            }
        }
    }
}
