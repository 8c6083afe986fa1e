using System.Globalization;
using CallbackGen;
using CallbackGen.Benchmarks;
using CallbackGen.Benchmarks.Onnx;
using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Samples.FashionMnist;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

// Issue 27: model.onnx in ONNX Runtime against the same model's export in InferenceModel (TorchSharp), the
// sample's MLP and CNN, batch 1 and 256, one thread each, in one run; the two take turns round by round.
var options = BenchArgs.Parse(args);
int rounds = options.Quick ? 3 : 9;
var budget = TimeSpan.FromMilliseconds(options.Quick ? 150 : 600);
set_num_threads(1);
string loadBefore = File.ReadAllText("/proc/loadavg").Trim();
string work = Directory.CreateTempSubdirectory("callbackgen-bench-onnx-").FullName;
string embedded = FashionMnistData.FindEmbeddedSubset() ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset was not found.");
using MnistData mnist = MnistFolder.Load(embedded);
float mean = mnist.TrainImages.mean().item<float>(), std = mnist.TrainImages.std().item<float>();

var latencyRows = new List<string[]>();
var sizeRows = new List<string[]>();
var agreement = new List<string>();
foreach (ModelKind kind in new[] { ModelKind.Mlp, ModelKind.Cnn })
{
    string name = kind.ToString().ToLowerInvariant();
    // One epoch on 2,048 images so that BatchNorm's statistics and the weights are a trained model's.
    manual_seed(42);
    using MnistData small = mnist.Take(2048, 256);
    using DataBunch bunch = small.ToDataBunch(128);
    var toInput = BatchTransform.Of(ExportedTransform.ForNormalize(tensor(mean), tensor(std)), ExportedTransform.ForReshape(Models.InputShape(kind)));
    using var learn = new Learner(Models.Create(kind), bunch, Losses.CrossEntropy, Optimizer.AdamW(), lr: 3e-3, cbs: [toInput]);
    learn.Fit(1);
    string export = learn.Export(Path.Combine(work, name + ".export"), modelName: name, modelVersion: "1", classNames: FashionMnistData.ClassNames);
    string onnx = learn.ExportOnnx(Path.Combine(work, name + ".onnx"), modelName: name, modelVersion: "1", classNames: FashionMnistData.ClassNames);

    using InferenceModel torchModel = InferenceModel.Load(export, () => Models.Create(kind));
    using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
    using var session = new InferenceSession(onnx, sessionOptions);
    using var runOptions = new RunOptions();

    foreach (int batch in new[] { 1, 256 })
    {
        using Tensor raw = mnist.TestImages.narrow(0, 0, batch).contiguous();
        float[] pixels = raw.data<float>().ToArray();
        long[] shape = raw.shape;
        float[] OrtLogits()
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input"], [input], ["logits"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        void Torch()
        {
            using Tensor logits = torchModel.Predict(raw);
        }

        void Ort()
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input"], [input], ["logits"]);
        }

        using (Tensor expected = torchModel.Predict(raw))
        using (Tensor actual = tensor(OrtLogits()).reshape(expected.shape))
        using (Tensor diff = (actual - expected).abs().max())
        {
            agreement.Add(string.Create(CultureInfo.InvariantCulture, $"{name}, batch {batch}: max |Δ| of the logits {diff.item<float>():0.##E+0}"));
        }

        // Round 0 warms both up (JIT, allocator, ORT's first run); rounds alternate which goes first.
        var torchMs = new List<double>();
        var ortMs = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            double t, o;
            if (round % 2 == 0)
            {
                t = LatencyClock.MillisecondsPerCall(Torch, budget);
                o = LatencyClock.MillisecondsPerCall(Ort, budget);
            }
            else
            {
                o = LatencyClock.MillisecondsPerCall(Ort, budget);
                t = LatencyClock.MillisecondsPerCall(Torch, budget);
            }

            if (round > 0)
            {
                torchMs.Add(t);
                ortMs.Add(o);
            }
        }

        double torchMedian = Median(torchMs), ortMedian = Median(ortMs);
        latencyRows.Add([name, batch.ToString(CultureInfo.InvariantCulture),
            F(torchMedian, "0.000"), F(ortMedian, "0.000"), F(batch * 1000 / torchMedian, "N0"), F(batch * 1000 / ortMedian, "N0"), F(torchMedian / ortMedian, "0.00") + "x"]);
        Console.WriteLine($"{name} batch {batch}: InferenceModel {torchMedian:F3} ms, ONNX Runtime {ortMedian:F3} ms");
    }

    sizeRows.Add([$"{name}: model file", F(new FileInfo(export).Length / 1024.0, "N0") + " KiB (model.export)", F(new FileInfo(onnx).Length / 1024.0, "N0") + " KiB (model.onnx)"]);
}

long ortBytes = DeploymentSize.Bytes(DeploymentSize.OnnxRuntimeFiles());
long torchBytes = DeploymentSize.Bytes(DeploymentSize.TorchSharpFiles());
long torchMinimal = DeploymentSize.Bytes(DeploymentSize.TorchSharpMinimalFiles());
sizeRows.Insert(0, ["runtime, as the packages copy it (linux-x64)", MiB(torchBytes) + " (libtorch as TorchSharp-cpu copies it, TorchSharp.dll, CallbackGen.dll)", MiB(ortBytes) + " (libonnxruntime*.so, Microsoft.ML.OnnxRuntime.dll, System.Numerics.Tensors.dll)"]);
sizeRows.Insert(1, ["runtime, only what inference loads", MiB(torchMinimal) + " (libtorch_cpu, libc10, libLibTorchSharp, libtorch, libtorch_global_deps, libgomp, the two DLLs)", MiB(ortBytes)]);
sizeRows.Insert(2, ["ratio (TorchSharp / ONNX Runtime)", F((double)torchBytes / ortBytes, "0.0") + "x as copied, " + F((double)torchMinimal / ortBytes, "0.0") + "x minimal", "1x"]);

var page = new ResultsFile("ONNX export: ONNX Runtime against InferenceModel", "dotnet run -c Release --project bench/Onnx" + (options.Quick ? " -- --quick" : ""),
    ("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString() ?? "?"), ("ONNX Runtime", OrtEnv.Instance().GetVersionString()));
string loadAfter = File.ReadAllText("/proc/loadavg").Trim();
bool busy = new[] { loadBefore, loadAfter }.Any(l => double.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture) > Environment.ProcessorCount);
page.Paragraph($"Mode: {options.Mode}. Load average before: {loadBefore}; after: {loadAfter}."
        + (busy ? $" The machine was shared (a load above its {Environment.ProcessorCount} cores): absolute times are inflated and the ratios indicative." : ""))
    .Heading("Latency and throughput (one thread each)")
    .Paragraph($"The sample's models (Samples/FashionMnist/Models.cs) trained one epoch on 2,048 embedded images, exported with `Learner.Export` and `Learner.ExportOnnx`. " +
        $"Each call classifies raw 28×28 test images (the input transforms run inside each): `InferenceModel.Predict` with `torch.set_num_threads(1)` against `InferenceSession.Run` with one intra-op and one inter-op thread (the OrtValue made per call). " +
        $"Per-call time is the mean over a {budget.TotalMilliseconds:F0} ms stretch; the table gives the median of {rounds} rounds after a warm-up round, the two taking turns to go first.")
    .Table(["model", "batch", "InferenceModel ms/call", "ONNX Runtime ms/call", "InferenceModel images/s", "ONNX Runtime images/s", "speed-up (ORT)"], latencyRows)
    .Paragraph("Agreement on the timed batches: " + string.Join("; ", agreement) + ".")
    .Heading("Equality per module")
    .Paragraph("Each supported module alone, seeded weights and BatchNorm statistics, eval mode, random N(0, 1) inputs at batch 1 and 37: the largest |Δ| between ONNX Runtime's output and TorchSharp's (the tests assert ≤ 1e-5 on these and on 90 seeded random stacks).")
    .Table(["module", "ONNX operators", "max \\|Δ\\|"], ModuleEquality.Rows())
    .Heading("A refusal")
    .Paragraph("A module of the user's own at `body.3` (tests/CallbackGen.Runtime.Tests/Onnx/OnnxGraphTests.cs has the same case):")
    .Paragraph("```text\n" + ModuleEquality.RefusalMessage() + "\n```")
    .Heading("Size on disk of a deployment")
    .Table(["", "TorchSharp (InferenceModel)", "ONNX Runtime"], sizeRows);
Console.WriteLine(page.Save(options.ResultsDir, "onnx.md"));
Directory.Delete(work, recursive: true);

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("N1", CultureInfo.InvariantCulture) + " MiB";
