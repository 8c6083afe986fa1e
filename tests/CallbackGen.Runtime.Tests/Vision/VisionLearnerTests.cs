using CallbackGen.Data;
using CallbackGen.Inference;
using CallbackGen.Interop;
using CallbackGen.Tests;
using CallbackGen.Vision;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Vision;

[Collection(GlobalRngCollection.Name)]
public partial class VisionLearnerTests(ITestOutputHelper output)
{
    [Transient] // a test probe: the body's weights at the start and end of each fit
    private sealed partial class BodyWatch : Callback
    {
        public List<(Dictionary<string, Tensor> Before, Dictionary<string, Tensor> After, int Frozen)> Fits { get; } = [];

        private Dictionary<string, Tensor>? before;

        [Callback]
        private void BeforeFit() => before = Snapshot(((VisionModel)Learn.Model).Body);

        [Callback]
        private void AfterFit() => Fits.Add((before!, Snapshot(((VisionModel)Learn.Model).Body), Learn.FrozenGroups));

        private static Dictionary<string, Tensor> Snapshot(nn.Module m) =>
            m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
    }

    [Fact]
    public void The_model_is_the_torchvision_body_keyed_as_PyTorch_and_fastais_head()
    {
        using var model = new VisionModel(VisionArchitecture.ResNet34, classes: 5);

        string[] bodyKeys = model.Body.state_dict().Keys.ToArray();
        Assert.Contains("conv1.weight", bodyKeys);
        Assert.Contains("layer4.2.bn2.running_var", bodyKeys);
        Assert.DoesNotContain(bodyKeys, k => k.StartsWith("fc.", StringComparison.Ordinal));
        Assert.Equal(
            ["AdaptiveConcatPool2d", "Flatten", "BatchNorm1d", "Dropout", "Linear", "ReLU", "BatchNorm1d", "Dropout", "Linear"],
            model.Head.children().Select(c => c.GetType().Name));
        var linears = model.Head.children().OfType<Linear>().ToArray();
        Assert.Equal((1024L, 512L), (linears[0].in_features, linears[0].out_features));
        Assert.Equal((512L, 5L), (linears[1].in_features, linears[1].out_features));
        model.eval();
        using Tensor y = model.call(zeros(2, 3, 64, 64));
        Assert.Equal([2L, 5L], y.shape);
    }

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void FineTune_from_PyTorch_weights_freezes_the_body_first_then_trains_it_and_the_export_reloads()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import sys, torch, torchvision
            torch.manual_seed(0)
            torch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])
            """, dir["resnet18.pth"]);
        WriteImages(dir.Path);
        var images = ImageFolderData.FromFolder(dir["images"], new ImageOptions { Size = (32, 32) });
        using DataBunch data = images.ToDataBunch(batchSize: 4, generator: new Generator().manual_seed(1));
        var watch = new BodyWatch();

        using Learner learn = VisionLearner.Create(data, images.ClassNames.Count, VisionArchitecture.ResNet18, pretrained: dir["resnet18.pth"], cbs: [watch]);

        var model = (VisionModel)learn.Model;
        output.WriteLine(model.PretrainedReport!.ToString());
        Assert.True(model.PretrainedReport!.IsExact);
        Assert.Equal(["fc.weight", "fc.bias"], model.PretrainedReport.Ignored);
        Assert.Equal(VisionLearner.ImageNetStats.Mean, learn.Get<Normalize>()!.Mean);
        using (var torchvisionModel = torchvision.models.resnet18())
        {
            PyTorchWeights.Load(torchvisionModel, dir["resnet18.pth"]);
            Assert.True(model.Body.state_dict()["layer3.1.conv2.weight"].equal(torchvisionModel.state_dict()["layer3.1.conv2.weight"]).all().item<bool>());
        }

        learn.FineTune(2, baseLr: 1e-3);

        Assert.Equal(2, watch.Fits.Count);
        var (frozenBefore, frozenAfter, frozenGroups) = watch.Fits[0];
        Assert.Equal(1, frozenGroups);
        string[] batchNorm = model.Body.named_modules().Where(m => m.module is BatchNorm2d).SelectMany(m => new[] { $"{m.name}.weight", $"{m.name}.bias" }).ToArray();
        foreach (var (name, w) in frozenBefore.Where(p => !batchNorm.Contains(p.Key)))
        {
            Assert.True(w.equal(frozenAfter[name]).all().item<bool>(), $"the frozen phase moved {name}");
        }

        Assert.Contains(batchNorm, n => !frozenBefore[n].equal(frozenAfter[n]).all().item<bool>()); // fastai trains batch norms in frozen groups
        var (unfrozenBefore, unfrozenAfter, unfrozenGroups) = watch.Fits[1];
        Assert.Equal(0, unfrozenGroups);
        Assert.False(unfrozenBefore["conv1.weight"].equal(unfrozenAfter["conv1.weight"]).all().item<bool>(), "the unfrozen phase left the body's first convolution as it was");

        string export = learn.Export(dir["pets.export"], modelName: "resnet18", classNames: images.ClassNames);
        using InferenceModel reloaded = InferenceModel.Load(export, () => new VisionModel(VisionArchitecture.ResNet18, images.ClassNames.Count));
        using Tensor x = rand(3, 3, 32, 32, generator: new Generator().manual_seed(9));
        learn.Model.eval();
        using Tensor expected = learn.Model.call(learn.Get<Normalize>()!.Apply(x));
        using Tensor actual = reloaded.Predict(x);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-5), "the reloaded export predicts otherwise");
    }

    [SkippableFact]
    public void A_pretrained_file_of_another_architecture_is_refused_with_the_report()
    {
        ReferencePython.SkipUnlessAvailable();
        using var dir = new TempDirectory();
        ReferencePython.Script("""
            import sys, torch, torchvision
            torch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])
            """, dir["resnet18.pth"]);
        using DataBunch data = TinyTask.Data();

        var error = Assert.Throws<CallbackGen.Checkpoints.CheckpointException>(() =>
            VisionLearner.Create(data, 2, VisionArchitecture.ResNet34, pretrained: dir["resnet18.pth"]));

        output.WriteLine(error.Message);
        Assert.Contains("missing from the file", error.Message);
        Assert.Contains("layer1.2.conv1.weight", error.Message);
    }

    [Fact]
    public void Without_pretrained_weights_it_normalises_with_the_given_statistics_or_not_at_all()
    {
        using DataBunch data = TinyTask.Data();
        var stats = new ChannelStats([0.5f, 0.4f, 0.3f], [0.2f, 0.2f, 0.2f]);

        using Learner withStats = VisionLearner.Create(data, 2, VisionArchitecture.ResNet18, stats: stats);
        using Learner plain = VisionLearner.Create(data, 2, VisionArchitecture.ResNet18);

        Assert.Same(stats, withStats.Get<Normalize>()!.Stats);
        Assert.Null(plain.Get<Normalize>());
        Assert.Null(((VisionModel)plain.Model).PretrainedReport);
        Assert.Equal(2, plain.CreateOptimizer().GroupCount);
    }

    // Two classes, 12 training and 4 validation RGB images of 40×40 (resized to 32×32 when read): dark and light.
    private static void WriteImages(string root)
    {
        using var gen = new Generator().manual_seed(4);
        foreach (var (part, n) in new[] { ("train", 12), ("valid", 4) })
        {
            Tensor labels = arange(n).remainder(2);
            Tensor images = (rand([n, 3, 40, 40], generator: gen) * 0.5) + (labels.view(-1, 1, 1, 1).to_type(ScalarType.Float32) * 0.5);
            ImageFolderWriter.Write(Path.Combine(root, "images", part), images, labels, ["dark", "light"]);
        }
    }
}
