using CallbackGen.Inference;
using static TorchSharp.torch;

namespace CallbackGen.Onnx;

/// <summary>
/// The export's input transforms as ONNX nodes, computing what <see cref="TransformPipeline"/> computes for
/// <see cref="InferenceModel"/>, so the ONNX model takes the same raw input.
/// </summary>
internal static class TransformConverter
{
    public static string Convert(OnnxGraphBuilder graph, ExportedTransform t, int index, string input)
    {
        string path = $"transform.{index}";
        Tensor sample = graph.Sample(input);
        int firstNode = graph.NodeCount;
        string output;
        switch (t.Kind)
        {
            case ExportedTransform.Normalize:
                Tensor mean = t.Tensor("mean"), std = t.Tensor("std");
                if (t.Numbers.ContainsKey("channelDim"))
                {
                    long channels = mean.numel();
                    if (sample.dim() < 2 || sample.shape[1] != channels)
                    {
                        throw new OnnxExportException(path, t.Kind,
                            $"Cannot export to ONNX: the normalisation at input transform {index} has {channels} channels but its input is [{string.Join(", ", sample.shape)}]: dimension 1 must have {channels} entries.");
                    }

                    long[] shape = Enumerable.Repeat(1L, (int)sample.dim()).ToArray();
                    shape[1] = channels;
                    mean = mean.view(shape);
                    std = std.view(shape);
                }

                output = graph.Node("Div", [graph.Node("Sub", [input, graph.Initializer($"{path}.mean", mean)]), graph.Initializer($"{path}.std", std)]);
                break;
            case ExportedTransform.Reshape:
                long[] target = t.Number("shape").Select(d => (long)d).ToArray();
                if (target.Any(d => d == 0 || d < -1))
                {
                    throw new OnnxExportException(path, t.Kind,
                        $"Cannot export to ONNX: the reshape at input transform {index} has the shape [{string.Join(", ", target)}]; ONNX reads 0 as 'copy this dimension', so give sizes ≥ 1 and −1.");
                }

                output = graph.Node("Reshape", [input, graph.Constant($"{path}.shape", target)]);
                break;
            default:
                throw new OnnxExportException(path, t.Kind,
                    $"Cannot export to ONNX: input transform {index} is of kind '{t.Kind}', which the ONNX exporter cannot express; it converts the built-in kinds '{ExportedTransform.Normalize}' and '{ExportedTransform.Reshape}'.");
        }

        using (no_grad())
        {
            Tensor result = new TransformPipeline([t]).Apply(sample);
            graph.Record(output, result, firstNode);
        }

        return output;
    }
}
