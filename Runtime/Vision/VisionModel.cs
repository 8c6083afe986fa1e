using CallbackGen.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CallbackGen.Vision;

/// <summary>
/// A TorchVision architecture's convolutional body with fastai's head for <c>classes</c> outputs
/// (fastai's <c>create_vision_model</c>): the body is the network up to its pooling (for a ResNet,
/// <c>conv1 … layer4</c>, keyed exactly as in PyTorch's torchvision, so a torchvision state dict loads
/// into it), and the head is <c>AdaptiveConcatPool2d, Flatten, BatchNorm1d, Dropout(p/2),
/// Linear(2·features, 512), ReLU, BatchNorm1d, Dropout(p), Linear(512, classes)</c>, with Kaiming-normal
/// linear weights as fastai initialises it.
/// </summary>
/// <example>
/// <code>
/// using var model = new VisionModel(VisionArchitecture.ResNet34, classes: 10);
/// WeightsLoadReport report = model.LoadBody("resnet34.pth");   // the file's classifier (fc.*) is ignored
/// </code>
/// </example>
public sealed class VisionModel : nn.Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly Sequential head;

    /// <summary>Creates the model with randomly initialised weights (TorchVision's initialisation for the body).</summary>
    /// <param name="architecture">The body's architecture.</param>
    /// <param name="classes">The number of outputs.</param>
    /// <param name="dropout">The head's last dropout probability (the first is half of it), as fastai's <c>ps</c>.</param>
    public VisionModel(VisionArchitecture architecture, int classes, double dropout = 0.5) : base(nameof(VisionModel))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (!(dropout is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1).");
        }

        Architecture = architecture;
        Classes = classes;
        Features = FeaturesOf(architecture);
        body = CreateBody(architecture);
        head = CreateHead(Features, classes, dropout);
        RegisterComponents();
    }

    /// <summary>The body's architecture.</summary>
    public VisionArchitecture Architecture { get; }

    /// <summary>The number of outputs.</summary>
    public int Classes { get; }

    /// <summary>The number of feature maps the body ends with (512 for ResNet-18/34, 2048 for ResNet-50 and deeper).</summary>
    public int Features { get; }

    /// <summary>What the last <see cref="LoadBody"/> through <see cref="VisionLearner.Create"/> loaded (null when the model started from random weights).</summary>
    public WeightsLoadReport? PretrainedReport { get; internal set; }

    /// <summary>The convolutional body (parameter group 0).</summary>
    public nn.Module<Tensor, Tensor> Body => body;

    /// <summary>The classification head (parameter group 1).</summary>
    public nn.Module<Tensor, Tensor> Head => head;

    /// <summary>
    /// Splits a <see cref="VisionModel"/> into two parameter groups, body then head, so that
    /// <see cref="Learner.Freeze"/> and <see cref="Learner.FineTune"/> freeze the body and train the head.
    /// </summary>
    public static ParameterSplitter BodyAndHead { get; } = model => model is VisionModel v
        ? [v.body.parameters(), v.head.parameters()]
        : throw new ArgumentException($"VisionModel.BodyAndHead splits a VisionModel; the learner's model is a {model.GetType().Name}.", nameof(model));

    /// <summary>
    /// Loads a PyTorch torchvision state dict of this architecture (<c>.pth</c>/<c>.pt</c>) or a
    /// <c>.safetensors</c> file into the body; the file's classifier (<c>fc.*</c>) is ignored, since the
    /// head replaces it. See <see cref="PyTorchWeights.Load"/>.
    /// </summary>
    /// <param name="path">The weights file.</param>
    /// <param name="strict">Refuse the file unless every key of the body is in it with its shape.</param>
    /// <returns>The report of what was loaded.</returns>
    /// <exception cref="Checkpoints.CheckpointException">The file cannot be read or does not fit; the body is unchanged.</exception>
    public WeightsLoadReport LoadBody(string path, bool strict = true) => PyTorchWeights.Load(body, path, strict, ignorePrefixes: ["fc."]);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using Tensor features = body.call(input);
        return head.call(features);
    }

    private static int FeaturesOf(VisionArchitecture a) => a switch
    {
        VisionArchitecture.ResNet18 or VisionArchitecture.ResNet34 => 512,
        VisionArchitecture.ResNet50 or VisionArchitecture.ResNet101 or VisionArchitecture.ResNet152 => 2048,
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, "Not a known architecture."),
    };

    // TorchVision's ResNet without its pooling, flatten and classifier; the children keep PyTorch's names.
    private static Sequential CreateBody(VisionArchitecture a)
    {
        // Not disposed: disposing a module disposes its children, which the body keeps.
        ResNet resnet = a switch
        {
            VisionArchitecture.ResNet18 => torchvision.models.resnet18(),
            VisionArchitecture.ResNet34 => torchvision.models.resnet34(),
            VisionArchitecture.ResNet50 => torchvision.models.resnet50(),
            VisionArchitecture.ResNet101 => torchvision.models.resnet101(),
            _ => torchvision.models.resnet152(),
        };

        string[] classifier = ["avgpool", "flatten", "fc"];
        var children = resnet.named_children()
            .Where(c => !classifier.Contains(c.name))
            .Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module))
            .ToArray();
        Sequential seq = nn.Sequential(children);

        // The body's parameters now belong to 'seq'; the classifier layers go with the ResNet wrapper.
        foreach (var (_, m) in resnet.named_children().Where(c => classifier.Contains(c.name)))
        {
            m.Dispose();
        }

        return seq;
    }

    private static Sequential CreateHead(int features, int classes, double p)
    {
        Linear hidden = nn.Linear(2 * features, 512, hasBias: false);
        Linear output = nn.Linear(512, classes, hasBias: false);
        using (no_grad())
        {
            nn.init.kaiming_normal_(hidden.weight);
            nn.init.kaiming_normal_(output.weight);
        }

        return nn.Sequential(
            new AdaptiveConcatPool2d(),
            nn.Flatten(),
            nn.BatchNorm1d(2 * features),
            nn.Dropout(p / 2),
            hidden,
            nn.ReLU(),
            nn.BatchNorm1d(512),
            nn.Dropout(p),
            output);
    }
}
