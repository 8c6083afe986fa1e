using System.Globalization;
using CallbackGen.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Benchmarks.Onnx;

/// <summary>
/// Each supported module alone (with seeded weights and BatchNorm statistics), exported and run by ONNX
/// Runtime on random inputs at batch 1 and 37: the largest |Δ| against TorchSharp's eval-mode output.
/// The tests assert ≤ 1e-5 on these and on random stacks; this table gives the figures.
/// </summary>
internal static class ModuleEquality
{
    public static IReadOnlyList<string[]> Rows()
    {
        var cases = new (string Name, Func<nn.Module<Tensor, Tensor>> Create, long[] Input)[]
        {
            ("Linear(16→8)", () => nn.Linear(16, 8), [16]),
            ("Linear(16→8) on [N, 3, 16] (MatMul + Add)", () => nn.Linear(16, 8), [3, 16]),
            ("Conv1d(3→6, k3, s2, p1, groups 3)", () => nn.Conv1d(3, 6, 3, stride: 2, padding: 1, groups: 3), [3, 20]),
            ("Conv2d(4→8, k3, s2, p1, groups 2, no bias)", () => nn.Conv2d(4, 8, 3, stride: 2, padding: 1, groups: 2, bias: false), [4, 12, 12]),
            ("Conv2d(4→4, k3, padding same, dilation 2)", () => nn.Conv2d(4, 4, 3, padding: Padding.Same, dilation: 2), [4, 12, 12]),
            ("BatchNorm1d(16)", () => nn.BatchNorm1d(16), [16]),
            ("BatchNorm2d(4)", () => nn.BatchNorm2d(4), [4, 8, 8]),
            ("ReLU", () => nn.ReLU(), [16]),
            ("LeakyReLU(0.2)", () => nn.LeakyReLU(0.2), [16]),
            ("GELU", () => nn.GELU(), [16]),
            ("GELU(tanh)", () => nn.GELU(GELU.Approximate.tanh), [16]),
            ("SiLU", () => nn.SiLU(), [16]),
            ("Sigmoid", () => nn.Sigmoid(), [16]),
            ("Tanh", () => nn.Tanh(), [16]),
            ("Softmax(1)", () => nn.Softmax(1), [10]),
            ("LogSoftmax(1)", () => nn.LogSoftmax(1), [10]),
            ("MaxPool2d(3, s2, p1, ceil_mode)", () => nn.MaxPool2d(3, stride: 2, padding: 1, ceil_mode: true), [2, 10, 10]),
            ("AvgPool2d(2)", () => nn.AvgPool2d(2), [2, 10, 10]),
            ("AvgPool2d(3, s2, p1, ceil_mode, count_include_pad false)", () => nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false), [2, 10, 10]),
            ("AdaptiveAvgPool2d(1)", () => nn.AdaptiveAvgPool2d(1), [3, 7, 7]),
            ("AdaptiveAvgPool2d(2) of 8×8", () => nn.AdaptiveAvgPool2d(2), [3, 8, 8]),
            ("Flatten()", () => nn.Flatten(), [3, 4, 4]),
            ("Flatten(start_dim: 2) (Reshape)", () => nn.Flatten(start_dim: 2), [3, 4, 4]),
            ("Dropout(0.5)", () => nn.Dropout(0.5), [16]),
            ("Identity", () => nn.Identity(), [16]),
        };

        var rows = new List<string[]>();
        int seed = 0;
        foreach (var (name, create, input) in cases)
        {
            seed++;
            using nn.Module<Tensor, Tensor> module = create();
            Randomise(module, seed);
            module.eval();
            byte[] onnx = OnnxExporter.ToBytes(nn.Sequential(("m", module)), input);
            using var options = new SessionOptions { IntraOpNumThreads = 1 };
            using var session = new InferenceSession(onnx, options);
            using var gen = new Generator().manual_seed(seed);
            double worst = 0;
            foreach (long batch in new long[] { 1, 37 })
            {
                using DisposeScope scope = NewDisposeScope();
                Tensor x = randn([batch, .. input], generator: gen);
                Tensor expected;
                using (no_grad())
                {
                    expected = module.forward(x);
                }

                using OrtValue value = OrtValue.CreateTensorValueFromMemory(x.data<float>().ToArray(), x.shape);
                using var run = new RunOptions();
                using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(run, ["input"], [value], ["logits"]);
                Tensor actual = tensor(outputs[0].GetTensorDataAsSpan<float>().ToArray()).reshape(expected.shape);
                worst = Math.Max(worst, (actual - expected).abs().max().item<float>());
            }

            string[] ops = global::Onnx.ModelProto.Parser.ParseFrom(onnx).Graph.Node.Select(n => n.OpType).Where(o => o != "Identity").Distinct().ToArray();
            rows.Add([name, ops.Length == 0 ? "Identity" : string.Join(", ", ops), worst == 0 ? "0" : worst.ToString("0.##E+0", CultureInfo.InvariantCulture)]);
        }

        return rows;
    }

    /// <summary>The refusal a module of the user's own gets (at body.3).</summary>
    public static string RefusalMessage()
    {
        using var model = nn.Sequential(("stem", nn.Linear(4, 4)), ("body", nn.Sequential(nn.ReLU(), nn.Linear(4, 4), nn.Tanh(), new Squash())));
        try
        {
            OnnxExporter.ToBytes(model, [4]);
            return "(no refusal)";
        }
        catch (OnnxExportException ex)
        {
            return ex.Message;
        }
    }

    private static void Randomise(nn.Module module, long seed)
    {
        using var gen = new Generator().manual_seed(seed);
        using var noGrad = no_grad();
        using Scalar half = 0.5.ToScalar(), spread = 1.5.ToScalar();
        foreach (var (name, p) in module.named_parameters())
        {
            using Tensor init = rand(p.shape, generator: gen).sub_(half);
            p.copy_(init);
        }

        foreach (var (name, b) in module.named_buffers().Where(b => b.name.StartsWith("running_", StringComparison.Ordinal)))
        {
            using Tensor stats = name.EndsWith("var", StringComparison.Ordinal) ? rand(b.shape, generator: gen).mul_(spread).add_(half) : rand(b.shape, generator: gen).sub_(half);
            b.copy_(stats);
        }
    }

    private sealed class Squash() : nn.Module<Tensor, Tensor>(nameof(Squash))
    {
        public override Tensor forward(Tensor x) => x;
    }
}
