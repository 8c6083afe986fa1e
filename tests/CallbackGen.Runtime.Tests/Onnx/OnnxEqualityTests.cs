using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Onnx;

/// <summary>ONNX Runtime's outputs of an exported model equal TorchSharp's in eval mode within 1e-5 absolute.</summary>
public class OnnxEqualityTests(ITestOutputHelper log)
{
    private const double Tolerance = 1e-5;

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (int seed = 0; seed < 90; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_random_stack_of_supported_modules_runs_the_same_in_ONNX_Runtime(int seed)
    {
        var (model, inputShape, description) = RandomStacks.Create(seed);
        using var _ = model;
        byte[] onnx = OnnxExporter.ToBytes(model, inputShape);
        using var gen = new Generator().manual_seed(seed);
        foreach (long batch in new long[] { 1, 37 })
        {
            using Tensor x = randn([batch, .. inputShape], generator: gen);
            double diff = OrtRun.MaxDifference(onnx, model, x);
            log.WriteLine($"seed {seed}, batch {batch}: max |Δ| {diff:E2}  {description}");
            Assert.True(diff <= Tolerance, $"seed {seed}, batch {batch}: max |Δ| {diff:E2} for {description}");
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void The_samples_models_trained_on_Fashion_MNIST_agree_on_real_and_random_images(string kind)
    {
        // The sample's architectures (Samples/FashionMnist/Models.cs) and its input transforms: raw 28×28 pixels in [0, 1].
        using MnistData mnist = MnistFolder.Load(EmbeddedSubset(), scale: true);
        using Tensor images = mnist.TrainImages.narrow(0, 0, 256).to_type(ScalarType.Float32);
        using Tensor labels = mnist.TrainLabels.narrow(0, 0, 256).to_type(ScalarType.Int64);
        long[] shape = kind == "mlp" ? [-1, 784] : [-1, 1, 28, 28];
        nn.Module<Tensor, Tensor> model = kind == "mlp" ? SampleMlp() : SampleCnn();
        RandomStacks.Randomise(model, 5);
        var transform = BatchTransform.Of(ExportedTransform.ForNormalize(tensor(0.286f), tensor(0.353f)), ExportedTransform.ForReshape(shape));
        var data = new DataBunch(new DataLoader(images, labels, 64), new DataLoader(images, labels, 64));
        using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.05, cbs: [transform]);
        learn.Fit(1);

        string path = Path.Combine(Path.GetTempPath(), $"cbg-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            learn.ExportOnnx(path, modelName: kind, modelVersion: "1", classNames: FashionMnistData.ClassNames);
            byte[] onnx = File.ReadAllBytes(path);
            using var gen = new Generator().manual_seed(3);
            foreach (long batch in new long[] { 1, 37 })
            {
                using Tensor real = images.narrow(0, 100, batch);
                using Tensor random = rand([batch, 28, 28], generator: gen);
                foreach (var (what, raw) in new[] { ("real", real), ("random", random) })
                {
                    using Tensor expected = learn.Predict(raw);
                    using Tensor actual = OrtRun.Output(onnx, raw);
                    using Tensor diff = (actual - expected).abs().max();
                    log.WriteLine($"{kind}, {what} images, batch {batch}: max |Δ| {diff.item<float>():E2}");
                    Assert.True(diff.item<float>() <= Tolerance, $"{kind}, {what}, batch {batch}: {diff.item<float>():E2}");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BatchNorm_after_training_uses_the_running_statistics()
    {
        using var gen = new Generator().manual_seed(11);
        using Scalar three = 3.0.ToScalar(), two = 2.0.ToScalar();
        using Tensor x = randn([96, 6], generator: gen).mul_(three).add_(two);
        using Tensor y = x[.., 0].gt(two).to_type(ScalarType.Int64);
        var model = nn.Sequential(("bn0", nn.BatchNorm1d(6)), ("lin", nn.Linear(6, 8)), ("bn1", nn.BatchNorm1d(8)), ("relu", nn.ReLU()), ("head", nn.Linear(8, 2)));
        RandomStacks.Randomise(model, 11);
        using (no_grad())
        {
            foreach (var (name, b) in model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)))
            {
                b.zero_();
            }
        }

        var data = new DataBunch(new DataLoader(x, y, 16), new DataLoader(x, y, 16));
        using var learn = new Learner(model, data, Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.05);
        learn.Fit(2);

        // Training moved the statistics away from their start: the export must carry the moved ones.
        using Tensor mean = ((TorchSharp.Modules.BatchNorm1d)model.named_children().First().module).running_mean!.clone();
        Assert.True(mean.abs().max().item<float>() > 0.5f);
        byte[] onnx = OnnxExporter.ToBytes(model, [6]);
        foreach (long batch in new long[] { 1, 37 })
        {
            using Tensor probe = x.narrow(0, 0, batch);
            Assert.True(OrtRun.MaxDifference(onnx, model, probe) <= Tolerance);
        }

        // In training mode the model would normalise by the batch: the export is of eval mode, and each module's mode is restored.
        model.train();
        nn.Module frozenNorm = model.named_children().First().module;
        frozenNorm.eval();
        Assert.Equal(onnx, OnnxExporter.ToBytes(model, [6]));
        Assert.True(model.training);
        Assert.False(frozenNorm.training);
        Assert.True(model.named_children().Last().module.training);
    }

    [Fact]
    public void Dropout_is_the_identity_and_a_frozen_model_exports_the_same()
    {
        var model = nn.Sequential(("lin", nn.Linear(10, 12)), ("drop", nn.Dropout(0.5)), ("act", nn.GELU()), ("drop2", nn.Dropout(0.9)), ("head", nn.Linear(12, 3)));
        RandomStacks.Randomise(model, 4);
        using var gen = new Generator().manual_seed(4);
        using Tensor x = randn([37, 10], generator: gen);
        byte[] before = OnnxExporter.ToBytes(model, [10]);
        Assert.True(OrtRun.MaxDifference(before, model, x) <= Tolerance);

        foreach (var p in model.parameters())
        {
            p.requires_grad = false;
        }

        byte[] frozen = OnnxExporter.ToBytes(model, [10]);
        Assert.Equal(before, frozen);
        Assert.True(OrtRun.MaxDifference(frozen, model, x.narrow(0, 0, 1)) <= Tolerance);
    }

    [Fact]
    public void A_per_channel_normalisation_and_a_reshape_run_in_the_graph_on_raw_inputs()
    {
        // Raw [N, 12] → [N, 3, 2, 2] → per-channel normalisation → conv: InferenceModel and ONNX Runtime take the same raw input.
        var model = nn.Sequential(("conv", nn.Conv2d(3, 4, 2)), ("flatten", nn.Flatten()), ("head", nn.Linear(4, 2)));
        RandomStacks.Randomise(model, 8);
        var transform = BatchTransform.Of(ExportedTransform.ForReshape(-1, 3, 2, 2), ExportedTransform.ForChannelNormalize([0.1f, 0.5f, 0.9f], [0.2f, 0.3f, 0.4f]));
        using var learn = new Learner(model, TinyData(12), Losses.CrossEntropy, Optimizer.Sgd(), lr: 0.1, cbs: [transform]);
        string onnxPath = Path.Combine(Path.GetTempPath(), $"cbg-onnx-{Guid.NewGuid():N}.onnx");
        string exportPath = Path.ChangeExtension(onnxPath, ".export");
        try
        {
            learn.ExportOnnx(onnxPath);
            learn.Export(exportPath);
            using var loaded = InferenceModel.Load(exportPath, () => nn.Sequential(("conv", nn.Conv2d(3, 4, 2)), ("flatten", nn.Flatten()), ("head", nn.Linear(4, 2))));
            using var gen = new Generator().manual_seed(8);
            foreach (long batch in new long[] { 1, 37 })
            {
                using Tensor raw = rand([batch, 12], generator: gen);
                using Tensor expected = loaded.Predict(raw);
                using Tensor actual = OrtRun.Output(File.ReadAllBytes(onnxPath), raw);
                using Tensor diff = (actual - expected).abs().max();
                Assert.True(diff.item<float>() <= Tolerance);
                using Tensor probabilities = OrtRun.Output(File.ReadAllBytes(onnxPath), raw, OnnxExporter.ProbabilitiesName);
                using Tensor softmax = expected.softmax(-1);
                using Tensor pdiff = (probabilities - softmax).abs().max();
                Assert.True(pdiff.item<float>() <= Tolerance);
                // Without the normalisation the numbers differ: the graph did not skip it.
                using Tensor unnormalised = model.forward(raw.view(-1, 3, 2, 2));
                Assert.False(actual.allclose(unnormalised, rtol: 0, atol: 1e-3));
            }
        }
        finally
        {
            File.Delete(onnxPath);
            File.Delete(exportPath);
        }
    }

    internal static DataBunch TinyData(long features)
    {
        using var gen = new Generator().manual_seed(1);
        Tensor x = rand([8, features], generator: gen);
        using Scalar half = 0.5.ToScalar();
        Tensor y = x[.., 0].gt(half).to_type(ScalarType.Int64);
        return new DataBunch(new DataLoader(x, y, 4), new DataLoader(x, y, 4));
    }

    internal static string EmbeddedSubset() => FashionMnistData.FindEmbeddedSubset(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException("The embedded Fashion-MNIST subset (Samples/Data/fashion-mnist-subset) was not found above " + AppContext.BaseDirectory);

    internal static nn.Module<Tensor, Tensor> SampleMlp() => nn.Sequential(("hidden", nn.Linear(784, 256)), ("relu", nn.ReLU()), ("head", nn.Linear(256, 10)));

    internal static nn.Module<Tensor, Tensor> SampleCnn() => nn.Sequential(
        ("conv1", ConvBlock(1, 16, 5)), ("conv2", ConvBlock(16, 32, 3)), ("conv3", ConvBlock(32, 64, 3)), ("conv4", ConvBlock(64, 64, 3)),
        ("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("head", nn.Linear(64, 10)));

    private static nn.Module<Tensor, Tensor> ConvBlock(long inChannels, long outChannels, long kernel) => nn.Sequential(
        nn.Conv2d(inChannels, outChannels, kernel, stride: 2, padding: kernel / 2, bias: false), nn.BatchNorm2d(outChannels), nn.ReLU());
}
