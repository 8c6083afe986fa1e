using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Onnx;

/// <summary>Runs an exported model's bytes in ONNX Runtime (one thread) and compares with TorchSharp.</summary>
internal static class OrtRun
{
    /// <summary>The named output for a float32 input batch, as a CPU tensor of the output's shape.</summary>
    public static Tensor Output(byte[] model, Tensor input, string output = "logits")
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using Tensor x = input.cpu().to_type(ScalarType.Float32).contiguous();
        float[] data = x.data<float>().ToArray();
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(data, x.shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [value], [output]);
        long[] shape = results[0].GetTensorTypeAndShape().Shape;
        return tensor(results[0].GetTensorDataAsSpan<float>().ToArray()).reshape(shape);
    }

    /// <summary>The largest absolute difference between ONNX Runtime's logits and the model's in eval mode.</summary>
    public static double MaxDifference(byte[] onnx, nn.Module<Tensor, Tensor> model, Tensor input)
    {
        model.eval();
        using var noGrad = no_grad();
        using Tensor expected = model.forward(input);
        using Tensor actual = Output(onnx, input);
        Assert.Equal(expected.shape, actual.shape);
        using Tensor diff = (actual - expected).abs().max();
        return diff.item<float>();
    }
}
