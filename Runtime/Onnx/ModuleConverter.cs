using static TorchSharp.torch;

namespace CallbackGen.Onnx;

/// <summary>Adds the ONNX nodes of one TorchSharp module; returns the output's value name.</summary>
/// <param name="graph">The graph, scoped to the module's path.</param>
/// <param name="module">The module.</param>
/// <param name="input">The input value's name.</param>
/// <param name="sample">The input's value for the sample batch (its shape is the input's shape).</param>
internal delegate string ModuleConverter(OnnxGraphBuilder graph, nn.Module module, string input, Tensor sample);
