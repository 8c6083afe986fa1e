using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CallbackGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Generators
{
    public sealed partial class CallbackGenerator
    {
        /// <summary>
        /// [Checkpointed] members to a state model. Members the analyzers refuse (CBG0014) are left out;
        /// invalid classes give null. The type classification is the one shared with the analyzers.
        /// </summary>
        internal static class StateParser
        {
            // Types as the emitter writes them: global:: names, nullable annotations of type arguments kept.
            private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

            /// <summary>
            /// The state model of the class declaring the [Checkpointed] member <c>ctx.TargetSymbol</c>
            /// when that member is the class's first valid one; null for the others and for invalid input.
            /// </summary>
            public static StateClassModel? ParseStateClass(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                if (ctx.TargetSymbol is not (IFieldSymbol or IPropertySymbol) || ctx.TargetSymbol.ContainingType is not { } type || ctx.Attributes.IsEmpty)
                {
                    return null;
                }

                INamedTypeSymbol? attributeClass = ctx.Attributes[0].AttributeClass;
                if (attributeClass is null || type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic
                    || !Parser.DerivesFromCallback(type) || !Parser.IsDeclarable(type, ct))
                {
                    return null;
                }

                var types = new List<StateTypeModel>();
                var ids = new Dictionary<string, int>();
                var members = new List<StateMemberModel>();
                foreach (ISymbol member in type.GetMembers())
                {
                    ct.ThrowIfCancellationRequested();
                    if (member is not (IFieldSymbol or IPropertySymbol) || member.IsImplicitlyDeclared
                        || !member.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeClass))
                        || StateTypes.DeclarationProblem(member) is not null
                        || !Parser.IsIdentifierName(member.Name))
                    {
                        continue;
                    }

                    ITypeSymbol memberType = StateTypes.TypeOf(member)!;
                    StateType? stored = StateTypes.Classify(memberType, type.ContainingAssembly, out _);
                    if (stored is null)
                    {
                        continue;
                    }

                    // Only the first valid member builds the model: a class with n members costs one scan.
                    if (members.Count == 0 && !SymbolEqualityComparer.Default.Equals(member, ctx.TargetSymbol))
                    {
                        return null;
                    }

                    members.Add(new StateMemberModel(Parser.EscapeName(member.Name), member.Name, Add(stored, types, ids), NotNull(memberType, stored)));
                }

                return members.Count == 0
                    ? null
                    : new StateClassModel(Parser.ContainerOf(type), EquatableArray.From(members), EquatableArray.From(types));
            }

            private static bool NotNull(ITypeSymbol declared, StateType stored) =>
                stored.IsReference && declared.NullableAnnotation == NullableAnnotation.NotAnnotated;

            // Index of the type in the model, adding it (and its parts, first) when new.
            private static int Add(StateType t, List<StateTypeModel> types, Dictionary<string, int> ids)
            {
                string name = t.Symbol.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeFormat);
                if (ids.TryGetValue(name, out int known))
                {
                    return known;
                }

                int element = t.Element is null ? -1 : Add(t.Element, types, ids);
                var members = t.Members
                    .Select(m => new StateMemberModel(Parser.EscapeName(m.Name), m.Name, Add(m.Type, types, ids), m.Type.IsReference && !m.IsNullableReference))
                    .ToArray();
                types.Add(new StateTypeModel(
                    t.Kind,
                    name,
                    t.Signature,
                    t.Primitive,
                    element,
                    t.Element is not null && t.Element.IsReference && !t.ElementNullable,
                    t.IsReference,
                    new EquatableArray<StateMemberModel>(members),
                    t.ByConstructor));
                ids[name] = types.Count - 1;
                return types.Count - 1;
            }
        }
    }
}
