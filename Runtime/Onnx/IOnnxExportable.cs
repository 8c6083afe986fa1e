namespace CallbackGen.Onnx;

/// <summary>
/// A module of your own that describes itself to the ONNX exporter as ONNX nodes, as
/// <see cref="Inference.IExportableTransform"/> lets a transform describe itself to an export.
/// Without it, the exporter refuses the module (<see cref="OnnxExportException"/>).
/// </summary>
/// <remarks>
/// Add the module's weights with <see cref="OnnxGraphBuilder.Initializer"/> and its operations with
/// <see cref="OnnxGraphBuilder.Node"/> (standard ONNX operators, opset <see cref="OnnxExporter.Opset"/>);
/// a sub-module is converted with <see cref="OnnxGraphBuilder.Module"/>. The exporter runs the module's
/// <c>forward</c> on a sample batch to declare the shape of the value returned.
/// </remarks>
/// <example>
/// <code>
/// public sealed class Scale(float factor) : nn.Module&lt;Tensor, Tensor&gt;("Scale"), IOnnxExportable
/// {
///     public override Tensor forward(Tensor x)
///     {
///         using Scalar s = factor.ToScalar();
///         return x.mul(s);
///     }
///     public string ExportOnnx(OnnxGraphBuilder graph, string input) =&gt;
///         graph.Node("Mul", [input, graph.Constant("factor", [factor], [])]);
/// }
/// </code>
/// </example>
public interface IOnnxExportable
{
    /// <summary>Adds the nodes that compute this module's output from <paramref name="input"/>; returns the output's value name.</summary>
    /// <param name="graph">The graph being built, scoped to this module's path.</param>
    /// <param name="input">The name of the value the module receives.</param>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}
