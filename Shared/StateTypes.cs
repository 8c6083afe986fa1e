// The one definition of what a [Checkpointed] member may hold. This file is compiled into the
// generator (which emits state code from the classification) and the analyzers (whose CBG0014
// reports the reason a type is refused), linked, not copied, so the two can never disagree.
#nullable enable

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace CallbackGen
{
    /// <summary>How a supported type is stored.</summary>
    internal enum StateTypeKind
    {
        /// <summary>bool, integer types, float, double, string, TimeSpan: one reader/writer call (<see cref="StateType.Primitive"/>).</summary>
        Primitive,

        /// <summary>An enum, stored as its value widened to 64 bits.</summary>
        Enum,

        /// <summary><c>T?</c> of a value type: a presence flag, then the value.</summary>
        Nullable,

        /// <summary><c>T[]</c>: a count (−1 for null), then the elements.</summary>
        Array,

        /// <summary><c>List&lt;T&gt;</c>: as an array.</summary>
        List,

        /// <summary><c>IReadOnlyList&lt;T&gt;</c>: as an array; loaded as one.</summary>
        ReadOnlyList,

        /// <summary>A TorchSharp tensor, with the checkpoint's tensor codec.</summary>
        Tensor,

        /// <summary>A record or struct whose members are all supported, member by member.</summary>
        Composite,
    }

    /// <summary>One member of a composite type: its name, its type, and how it is rebuilt.</summary>
    internal sealed class StateTypeMember
    {
        public StateTypeMember(string name, StateType type, bool isNullableReference)
        {
            Name = name;
            Type = type;
            IsNullableReference = isNullableReference;
        }

        /// <summary>The member's name as declared.</summary>
        public string Name { get; }

        /// <summary>Its classified type.</summary>
        public StateType Type { get; }

        /// <summary>True when its type is a reference type annotated nullable (or oblivious).</summary>
        public bool IsNullableReference { get; }
    }

    /// <summary>A type that generated state can store, with the parts needed to write and read it.</summary>
    internal sealed class StateType
    {
        public StateType(ITypeSymbol symbol, StateTypeKind kind, string signature, string? primitive = null, StateType? element = null,
            bool elementNullable = false, IReadOnlyList<StateTypeMember>? members = null, bool byConstructor = false)
        {
            Symbol = symbol;
            Kind = kind;
            Signature = signature;
            Primitive = primitive;
            Element = element;
            ElementNullable = elementNullable;
            Members = members ?? Array.Empty<StateTypeMember>();
            ByConstructor = byConstructor;
        }

        /// <summary>The type.</summary>
        public ITypeSymbol Symbol { get; }

        /// <summary>How it is stored.</summary>
        public StateTypeKind Kind { get; }

        /// <summary>
        /// The self-describing type name stored beside each member (for example <c>List&lt;double&gt;</c> or
        /// <c>User.Point { X: double, Y: double }</c>): a stored member whose signature differs from the
        /// declared one is reported by name instead of being misread.
        /// </summary>
        public string Signature { get; }

        /// <summary>For <see cref="StateTypeKind.Primitive"/> and <see cref="StateTypeKind.Enum"/>: the reader/writer method suffix (<c>Int32</c>, <c>String</c>…).</summary>
        public string? Primitive { get; }

        /// <summary>The element type of arrays, lists and nullables.</summary>
        public StateType? Element { get; }

        /// <summary>True when the elements are reference types annotated nullable.</summary>
        public bool ElementNullable { get; }

        /// <summary>A composite's members, in declaration order.</summary>
        public IReadOnlyList<StateTypeMember> Members { get; }

        /// <summary>A composite is rebuilt with a constructor taking every member (else with an object initializer).</summary>
        public bool ByConstructor { get; }

        /// <summary>True for reference types (which may be stored as null).</summary>
        public bool IsReference => Symbol.IsReferenceType;
    }

    /// <summary>Classifies the types of [Checkpointed] members; the reason says why a type is refused.</summary>
    internal static class StateTypes
    {
        /// <summary>Metadata name of <c>[Checkpointed]</c>.</summary>
        public const string CheckpointedAttributeName = "CallbackGen.CheckpointedAttribute";

        /// <summary>Metadata name of <c>[Transient]</c>.</summary>
        public const string TransientAttributeName = "CallbackGen.TransientAttribute";

        private static readonly SymbolDisplayFormat NameFormat = SymbolDisplayFormat.CSharpErrorMessageFormat
            .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers)
            .WithGenericsOptions(SymbolDisplayGenericsOptions.IncludeTypeParameters);

        /// <summary>
        /// The storage of <paramref name="type"/> as seen from <paramref name="within"/> (the assembly
        /// whose generated code reads and writes it), or null with <paramref name="reason"/> saying why not.
        /// </summary>
        public static StateType? Classify(ITypeSymbol type, IAssemblySymbol within, out string reason)
        {
            reason = string.Empty;
            return ClassifyIn(type, within, new List<ITypeSymbol>(), ref reason);
        }

        /// <summary>
        /// Why the member <paramref name="member"/> cannot be [Checkpointed] as declared (readonly, get-only,
        /// static…), or null when its declaration is fine (its type is checked by <see cref="Classify"/>).
        /// </summary>
        public static string? DeclarationProblem(ISymbol member)
        {
            switch (member)
            {
                case IFieldSymbol f when f.IsStatic || f.IsConst:
                    return "it is static; only instance state is checkpointed";
                case IFieldSymbol f when f.IsReadOnly:
                    return "it is readonly, so a resumed run could not put the stored value back; remove 'readonly'";
                case IPropertySymbol p when p.IsStatic:
                    return "it is static; only instance state is checkpointed";
                case IPropertySymbol p when p.IsIndexer || !IsAutoProperty(p):
                    return "it is not an auto-property; mark the field that holds the value instead";
                case IPropertySymbol p when p.SetMethod is null || p.SetMethod.IsInitOnly:
                    return "it has no setter, so a resumed run could not put the stored value back; add a (private) setter";
                case IFieldSymbol:
                case IPropertySymbol:
                    return null;
                default:
                    return "only fields and auto-properties can be checkpointed";
            }
        }

        /// <summary>The type of a field or property.</summary>
        public static ITypeSymbol? TypeOf(ISymbol member) => member switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            _ => null,
        };

        /// <summary>True when the property is an auto-property (declared in source with a compiler-made backing field).</summary>
        public static bool IsAutoProperty(IPropertySymbol p) =>
            p.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => f.IsImplicitlyDeclared && SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, p));

        private static StateType? ClassifyIn(ITypeSymbol type, IAssemblySymbol within, List<ITypeSymbol> path, ref string reason)
        {
            string? primitive = PrimitiveName(type);
            if (primitive is not null)
            {
                return new StateType(type, StateTypeKind.Primitive, Display(type), primitive);
            }

            if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
            {
                return Accessible(type, within)
                    ? new StateType(type, StateTypeKind.Enum, "enum " + Display(type) + " : " + Display(underlying), "Int64")
                    : Refuse($"'{Display(type)}' is not accessible from this assembly", ref reason);
            }

            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                StateType? inner = ClassifyIn(nullable.TypeArguments[0], within, path, ref reason);
                return inner is null ? null : new StateType(type, StateTypeKind.Nullable, (inner.Kind == StateTypeKind.Enum ? "(" + inner.Signature + ")" : inner.Signature) + "?", element: inner);
            }

            if (type is IArrayTypeSymbol array)
            {
                if (array.Rank != 1)
                {
                    return Refuse($"'{Display(type)}' is a multi-dimensional array; use a jagged array or a Tensor", ref reason);
                }

                return Sequence(type, array.ElementType, StateTypeKind.Array, within, path, ref reason);
            }

            if (type is INamedTypeSymbol { IsGenericType: true } generic && IsInNamespace(generic, "System", "Collections", "Generic"))
            {
                if (generic.Name == "List" && generic.Arity == 1)
                {
                    return Sequence(type, generic.TypeArguments[0], StateTypeKind.List, within, path, ref reason);
                }

                if (generic.Name == "IReadOnlyList" && generic.Arity == 1)
                {
                    return Sequence(type, generic.TypeArguments[0], StateTypeKind.ReadOnlyList, within, path, ref reason);
                }
            }

            if (type is INamedTypeSymbol { Name: "Tensor", ContainingType: { Name: "torch", ContainingType: null } torch }
                && IsInNamespace(torch, "TorchSharp"))
            {
                return new StateType(type, StateTypeKind.Tensor, "Tensor");
            }

            if (type is INamedTypeSymbol named && (named.IsRecord || named.TypeKind == TypeKind.Struct))
            {
                return Composite(named, within, path, ref reason);
            }

            if (type.TypeKind is TypeKind.TypeParameter or TypeKind.Error)
            {
                return Refuse($"its type '{Display(type)}' is not known at compile time", ref reason);
            }

            return Refuse($"its type '{Display(type)}' is not one generated state can store", ref reason);
        }

        private static StateType? Sequence(ITypeSymbol type, ITypeSymbol elementType, StateTypeKind kind, IAssemblySymbol within, List<ITypeSymbol> path, ref string reason)
        {
            StateType? element = ClassifyIn(elementType, within, path, ref reason);
            if (element is null)
            {
                return null;
            }

            bool nullable = elementType.IsReferenceType && elementType.NullableAnnotation != NullableAnnotation.NotAnnotated;
            // Nullable annotations of reference types change nothing stored, so signatures leave them out.
            string elementSignature = element.Signature;
            string signature = kind switch
            {
                StateTypeKind.Array => elementSignature + "[]",
                StateTypeKind.List => "List<" + elementSignature + ">",
                _ => "IReadOnlyList<" + elementSignature + ">",
            };
            return new StateType(type, kind, signature, element: element, elementNullable: nullable);
        }

        private static StateType? Composite(INamedTypeSymbol type, IAssemblySymbol within, List<ITypeSymbol> path, ref string reason)
        {
            string name = Display(type);
            if (!Accessible(type, within))
            {
                return Refuse($"'{name}' is not accessible from this assembly", ref reason);
            }

            if (path.Any(t => SymbolEqualityComparer.Default.Equals(t, type)))
            {
                return Refuse($"'{name}' contains itself", ref reason);
            }

            if (type.IsAbstract)
            {
                return Refuse($"'{name}' is abstract", ref reason);
            }

            List<ISymbol>? data = DataMembers(type, within, ref reason);
            if (data is null)
            {
                return null;
            }

            path.Add(type);
            var members = new List<StateTypeMember>();
            foreach (ISymbol m in data)
            {
                ITypeSymbol memberType = TypeOf(m)!;
                StateType? classified = ClassifyIn(memberType, within, path, ref reason);
                if (classified is null)
                {
                    path.RemoveAt(path.Count - 1);
                    reason = $"'{name}.{m.Name}': " + reason;
                    return null;
                }

                members.Add(new StateTypeMember(m.Name, classified, memberType.IsReferenceType && memberType.NullableAnnotation != NullableAnnotation.NotAnnotated));
            }

            path.RemoveAt(path.Count - 1);
            if (members.Count == 0)
            {
                return Refuse($"'{name}' has no members to store", ref reason);
            }

            // A constructor that takes every member (a positional record's) rebuilds the value; the
            // members are then stored in its parameter order so the generated call is positional.
            IMethodSymbol? constructor = type.InstanceConstructors.FirstOrDefault(c => Accessible(c, within) && Matches(c, data));
            if (constructor is not null)
            {
                members = constructor.Parameters
                    .Select(p => members.First(m => string.Equals(m.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
                    .ToList();
            }
            else if (!CanInitialize(type, data, within))
            {
                return Refuse($"'{name}' cannot be rebuilt: it has no constructor taking all its members, and not all of them can be set", ref reason);
            }

            bool byConstructor = constructor is not null;

            string signature = name + " { " + string.Join(", ", members.Select(m => m.Name + ": " + m.Type.Signature)) + " }";
            return new StateType(type, StateTypeKind.Composite, signature, members: members, byConstructor: byConstructor);
        }

        // The values that make up an instance. Types declared in source: explicit instance fields and
        // auto-properties (whatever their accessibility; each must be accessible). Types from metadata,
        // whose private fields are not visible: their public instance fields and readable properties.
        private static List<ISymbol>? DataMembers(INamedTypeSymbol type, IAssemblySymbol within, ref string reason)
        {
            var result = new List<ISymbol>();
            bool fromSource = !type.DeclaringSyntaxReferences.IsEmpty;
            for (INamedTypeSymbol? t = type; t is not null && t.SpecialType is not (SpecialType.System_Object or SpecialType.System_ValueType); t = t.BaseType)
            {
                var own = new List<ISymbol>();
                foreach (ISymbol m in t.GetMembers())
                {
                    if (m.IsStatic)
                    {
                        continue;
                    }

                    ISymbol? value = m switch
                    {
                        IFieldSymbol { IsImplicitlyDeclared: true, AssociatedSymbol: IPropertySymbol p } when fromSource => p,
                        IFieldSymbol { IsImplicitlyDeclared: false, IsConst: false } f when fromSource || f.DeclaredAccessibility == Accessibility.Public => f,
                        IPropertySymbol { IsIndexer: false, GetMethod: not null, IsImplicitlyDeclared: false } p when !fromSource && p.DeclaredAccessibility == Accessibility.Public => p,
                        _ => null,
                    };

                    if (value is null)
                    {
                        continue;
                    }

                    if (!Accessible(value, within))
                    {
                        return Refuse<List<ISymbol>>($"'{Display(type)}.{value.Name}' is not accessible from the callback", ref reason);
                    }

                    own.Add(value);
                }

                result.InsertRange(0, own);
            }

            return result;
        }

        private static bool Matches(IMethodSymbol constructor, List<ISymbol> data)
        {
            if (constructor.Parameters.Length != data.Count || data.Count == 0)
            {
                return false;
            }

            var left = new List<ISymbol>(data);
            foreach (IParameterSymbol p in constructor.Parameters)
            {
                ISymbol? m = left.FirstOrDefault(d => string.Equals(d.Name, p.Name, StringComparison.OrdinalIgnoreCase)
                    && SymbolEqualityComparer.Default.Equals(TypeOf(d), p.Type));
                if (m is null || p.RefKind != RefKind.None)
                {
                    return false;
                }

                left.Remove(m);
            }

            return true;
        }

        private static bool CanInitialize(INamedTypeSymbol type, List<ISymbol> data, IAssemblySymbol within)
        {
            bool hasDefault = type.TypeKind == TypeKind.Struct
                || type.InstanceConstructors.Any(c => c.Parameters.Length == 0 && Accessible(c, within));
            return hasDefault && data.All(m => m switch
            {
                IFieldSymbol f => !f.IsReadOnly,
                IPropertySymbol p => p.SetMethod is { } set && Accessible(set, within),
                _ => false,
            });
        }

        /// <summary>The name of the StateWriter/StateReader method for a primitive type, or null.</summary>
        private static string? PrimitiveName(ITypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean: return "Boolean";
                case SpecialType.System_Byte: return "Byte";
                case SpecialType.System_SByte: return "SByte";
                case SpecialType.System_Int16: return "Int16";
                case SpecialType.System_UInt16: return "UInt16";
                case SpecialType.System_Int32: return "Int32";
                case SpecialType.System_UInt32: return "UInt32";
                case SpecialType.System_Int64: return "Int64";
                case SpecialType.System_UInt64: return "UInt64";
                case SpecialType.System_Single: return "Single";
                case SpecialType.System_Double: return "Double";
                case SpecialType.System_String: return "String";
            }

            return type is INamedTypeSymbol { Name: "TimeSpan", Arity: 0, ContainingType: null } t && IsInNamespace(t, "System") ? "TimeSpan" : null;
        }

        private static bool Accessible(ISymbol symbol, IAssemblySymbol within)
        {
            for (ISymbol? s = symbol; s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
            {
                bool ok = s.DeclaredAccessibility switch
                {
                    Accessibility.Public => true,
                    Accessibility.Internal or Accessibility.ProtectedOrInternal => SymbolEqualityComparer.Default.Equals(s.ContainingAssembly, within)
                        || (s.ContainingAssembly?.GivesAccessTo(within) ?? false),
                    Accessibility.NotApplicable => true,
                    _ => false,
                };
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsInNamespace(INamedTypeSymbol type, params string[] parts)
        {
            INamespaceSymbol? ns = type.ContainingNamespace;
            for (int i = parts.Length - 1; i >= 0; i--)
            {
                if (ns is null || ns.Name != parts[i])
                {
                    return false;
                }

                ns = ns.ContainingNamespace;
            }

            return ns is { IsGlobalNamespace: true };
        }

        private static string Display(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(NameFormat);

        private static StateType? Refuse(string why, ref string reason) => Refuse<StateType>(why, ref reason);

        private static T? Refuse<T>(string why, ref string reason)
            where T : class
        {
            reason = why;
            return null;
        }
    }
}
