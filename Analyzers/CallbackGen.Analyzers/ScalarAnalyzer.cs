using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CallbackGen.Analyzers
{
    /// <summary>
    /// CBG0015: numbers handed to libtorch as TorchSharp Scalars that nothing holds. TorchSharp 0.107
    /// passes a Scalar's handle to native code and keeps no reference to it, so a collection that
    /// another thread starts can finalize it mid-call. Flags implicit (and explicit) conversions of a
    /// number to <c>Scalar</c>, the TorchSharp members that make such a Scalar inside
    /// (<c>Tensor.add(Tensor)</c>, <c>addcdiv(a, b)</c>, the tensor operators with a number, and <c>+</c>),
    /// reads through a Scalar (<c>ToSingle()</c>, <c>ToDouble()</c>, <c>(float)t</c>, …) and
    /// <c>ToScalar()</c> results passed on without being held. In <c>[Callback]</c> handlers by default;
    /// everywhere with <c>callbackgen_cbg0015_scope = all</c> in .editorconfig (docs/diagnostics/CBG0015.md).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ScalarAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>The .editorconfig key that widens the check from handlers to all code (value <c>all</c>).</summary>
        public const string ScopeOption = "callbackgen_cbg0015_scope";

        private static readonly ImmutableDictionary<string, string> ReadTypes = new[]
        {
            ("ToSingle", "float"), ("ToDouble", "double"), ("ToInt16", "short"), ("ToInt32", "int"), ("ToInt64", "long"),
            ("ToByte", "byte"), ("ToSByte", "sbyte"), ("ToBoolean", "bool"), ("ToHalf", "System.Half"),
        }.ToImmutableDictionary(p => p.Item1, p => p.Item2);

        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(DiagnosticDescriptors.ScalarNotHeld);

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(start =>
            {
                INamedTypeSymbol? scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
                INamedTypeSymbol? tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
                if (scalar is null || tensor is null)
                {
                    return; // no TorchSharp: nothing to check
                }

                var types = new Types(scalar, tensor, KnownSymbols.Resolve(start.Compilation).CallbackAttribute);
                start.RegisterOperationAction(c => Conversion(c, types), OperationKind.Conversion);
                start.RegisterOperationAction(c => Invocation(c, types), OperationKind.Invocation);
                start.RegisterOperationAction(c => Operator(c, types), OperationKind.Binary, OperationKind.CompoundAssignment);
            });
        }

        private static void Conversion(OperationAnalysisContext c, Types t)
        {
            var conv = (IConversionOperation)c.Operation;
            IMethodSymbol? op = conv.OperatorMethod;
            if (op is null || !InScope(c, t))
            {
                return;
            }

            ITypeSymbol? from = conv.Operand.Type;
            if (Same(conv.Type, t.Scalar) && Same(op.ContainingType, t.Scalar) && !Same(from, t.Scalar))
            {
                string text = conv.Operand.Syntax.ToString();
                string name = conv.Parent is IArgumentOperation arg && arg.Parameter is not null ? arg.Parameter.Name : "scalar";
                string what = conv.Parent is IArgumentOperation a && a.Parameter is not null
                    ? $"Passing '{text}' as '{a.Parameter.Name}'"
                    : $"Converting '{text}'";
                var props = ImmutableDictionary<string, string?>.Empty
                    .Add(DiagnosticProperties.ScalarFix, DiagnosticProperties.HoldScalar)
                    .Add(DiagnosticProperties.ScalarName, name);
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, conv.Operand.Syntax.GetLocation(), props,
                    what, $"hold it: 'using var {name} = {Receiver(text)}.ToScalar();' before the call, and pass '{name}'"));
            }
            else if (Same(op.ContainingType, t.Tensor) && op.Name == "op_Explicit" && conv.Type is { } to && to.SpecialType != SpecialType.None)
            {
                string keyword = to.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
                var props = ImmutableDictionary<string, string?>.Empty
                    .Add(DiagnosticProperties.ScalarFix, DiagnosticProperties.ReadWithItem)
                    .Add(DiagnosticProperties.ItemType, keyword);
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, conv.Syntax.GetLocation(), props,
                    $"The cast '{conv.Syntax}'", $"read the value with 'item<{keyword}>()'"));
            }
        }

        private static void Invocation(OperationAnalysisContext c, Types t)
        {
            var call = (IInvocationOperation)c.Operation;
            IMethodSymbol m = call.TargetMethod;
            if (!IsTorchSharp(m) || !InScope(c, t))
            {
                return;
            }

            // Tensor reads that go through a Scalar: TensorExtensionMethods.ToSingle(this Tensor) and kin.
            if (m.IsExtensionMethod && m.Name.StartsWith("To", System.StringComparison.Ordinal) && m.Parameters.Length == 1
                && Same(m.Parameters[0].Type, t.Tensor) && !Same(m.ReturnType, t.Tensor) && !Same(m.ReturnType, t.Scalar))
            {
                var props = ImmutableDictionary<string, string?>.Empty;
                string remedy = "read the value with 'item<T>()'";
                if (ReadTypes.TryGetValue(m.Name, out string? keyword))
                {
                    props = props.Add(DiagnosticProperties.ScalarFix, DiagnosticProperties.ReadWithItem).Add(DiagnosticProperties.ItemType, keyword);
                    remedy = $"read the value with 'item<{keyword}>()'";
                }

                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, call.Syntax.GetLocation(), props, $"'{m.Name}()'", remedy));
                return;
            }

            // ToScalar() whose result goes straight into another TorchSharp call: nothing disposes it.
            if (m.Name == "ToScalar" && Same(m.ReturnType, t.Scalar) && IsPassedOn(call))
            {
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, call.Syntax.GetLocation(),
                    $"'{call.Syntax}' passed on directly", "declare it first with 'using var' and pass the local"));
                return;
            }

            // Tensor members that make a Scalar inside (TorchSharp's add(Tensor) passes alpha 1 as a new Scalar).
            if (Same(m.ContainingType, t.Tensor)
                && (((m.Name == "add" || m.Name == "add_") && m.Parameters.Length == 1)
                    || ((m.Name == "addcdiv" || m.Name == "addcdiv_") && m.Parameters.Length == 2)))
            {
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, call.Syntax.GetLocation(),
                    $"'{m.Name}' without a scale", $"TorchSharp passes the scale 1 as a new Scalar: pass a Scalar you hold ('{m.Name}(…, one)')"));
                return;
            }

            // torch.arange(stop) and arange(start, stop) pass the missing start and step as new Scalars.
            if (m.Name == "arange" && m.IsStatic && !m.Parameters.Any(p => p.Name == "step") && m.Parameters.Any(p => p.Name == "stop"))
            {
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, call.Syntax.GetLocation(),
                    "'arange' without a start or step", "TorchSharp passes them as new Scalars: call 'arange(start, stop, step)' with Scalars you hold"));
            }
        }

        private static void Operator(OperationAnalysisContext c, Types t)
        {
            IMethodSymbol? op;
            ITypeSymbol? left, right;
            switch (c.Operation)
            {
                case IBinaryOperation b:
                    (op, left, right) = (b.OperatorMethod, b.LeftOperand.Type, b.RightOperand.Type);
                    break;
                case ICompoundAssignmentOperation a:
                    (op, left, right) = (a.OperatorMethod, a.Target.Type, a.Value.Type);
                    break;
                default:
                    return;
            }

            if (op is null || !Same(op.ContainingType, t.Tensor) || !InScope(c, t))
            {
                return;
            }

            bool number = IsNumber(left) || IsNumber(right);
            bool makesScalar = op.Name == "op_Addition" || number || (op.Name == "op_Subtraction" && Same(left, t.Scalar));
            if (makesScalar)
            {
                c.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ScalarNotHeld, c.Operation.Syntax.GetLocation(),
                    $"The tensor operator in '{c.Operation.Syntax}'",
                    number
                        ? "call the method with a Scalar you hold instead ('t.mul(s)', 't.add(s, one)')"
                        : "call 'add(other, one)' with a Scalar 'one' you hold instead"));
            }
        }

        private static bool IsPassedOn(IOperation op)
        {
            IOperation? parent = op.Parent;
            while (parent is IConversionOperation)
            {
                parent = parent.Parent;
            }

            // Straight into a TorchSharp call (as an argument, or as the receiver of a read).
            if (parent is IArgumentOperation { Parent: IInvocationOperation target })
            {
                return IsTorchSharp(target.TargetMethod);
            }

            return parent is IInvocationOperation i && IsTorchSharp(i.TargetMethod)
                && ((i.Instance is { } instance && instance.Syntax == op.Syntax) || (i.TargetMethod.IsExtensionMethod && i.Arguments.Length > 0 && i.Arguments[0].Value.Syntax == op.Syntax));
        }

        private static bool InScope(OperationAnalysisContext c, Types t)
        {
            if (c.Options.AnalyzerConfigOptionsProvider.GetOptions(c.Operation.Syntax.SyntaxTree).TryGetValue(ScopeOption, out string? scope)
                && string.Equals(scope?.Trim(), "all", System.StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            ISymbol? member = c.ContainingSymbol;
            while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } inner)
            {
                member = inner.ContainingSymbol;
            }

            return member is IMethodSymbol method && KnownSymbols.Has(method, t.CallbackAttribute);
        }

        private static bool IsTorchSharp(IMethodSymbol m) =>
            m.ContainingAssembly?.Name == "TorchSharp";

        private static bool IsNumber(ITypeSymbol? type) => type is not null && type.SpecialType switch
        {
            SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32
                or SpecialType.System_Int64 or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Boolean => true,
            _ => false,
        };

        private static bool Same(ISymbol? a, ISymbol? b) => SymbolEqualityComparer.Default.Equals(a, b);

        /// <summary>How a number's expression is written as the receiver of <c>.ToScalar()</c>: literals and names as they are, the rest in parentheses.</summary>
        /// <param name="expression">The expression's text.</param>
        public static string Receiver(string expression)
        {
            foreach (char ch in expression)
            {
                if (!(char.IsLetterOrDigit(ch) || ch == '_' || ch == '.'))
                {
                    return "(" + expression + ")";
                }
            }

            return expression;
        }

        private sealed class Types
        {
            public Types(INamedTypeSymbol scalar, INamedTypeSymbol tensor, INamedTypeSymbol? callbackAttribute)
            {
                Scalar = scalar;
                Tensor = tensor;
                CallbackAttribute = callbackAttribute;
            }

            public INamedTypeSymbol Scalar { get; }

            public INamedTypeSymbol Tensor { get; }

            public INamedTypeSymbol? CallbackAttribute { get; }
        }
    }
}
