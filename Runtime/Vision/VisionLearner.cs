using CallbackGen.Data;
using CallbackGen.Interop;
using static TorchSharp.torch;

namespace CallbackGen.Vision;

/// <summary>
/// fastai's <c>vision_learner</c>: a <see cref="Learner"/> over a <see cref="VisionModel"/> (a TorchVision
/// body with fastai's head), optionally starting from pretrained weights in a PyTorch or safetensors
/// file, with the body and the head as two parameter groups, so <see cref="Learner.FineTune"/> trains
/// the head alone first (the body frozen, its batch-norm layers still learning, as fastai does) and then
/// everything with discriminative rates.
/// </summary>
/// <remarks>
/// Pretrained weights were trained on ImageNet inputs: with <c>pretrained</c> the learner normalises each
/// batch with <see cref="ImageNetStats"/> (a <see cref="Normalize"/> callback, so
/// <see cref="Learner.Export"/> records it and inference applies it). Without, it normalises with
/// <c>stats</c> when given (for example <see cref="ImageFolderData.Stats"/>), else not at all.
/// Images are expected as RGB [N, 3, H, W] floats in [0, 1] (<see cref="ImageFolderData"/> with
/// <see cref="ImageMode.Rgb"/> and a fixed <see cref="ImageOptions.Size"/>).
/// </remarks>
/// <example>
/// <code>
/// var images = ImageFolderData.FromFolder("pets", new ImageOptions { Size = (224, 224) });
/// using DataBunch data = images.ToDataBunch(batchSize: 64);
/// using Learner learn = VisionLearner.Create(data, images.ClassNames.Count, VisionArchitecture.ResNet34, pretrained: "resnet34.pth", metrics: [Metrics.Accuracy]);
/// learn.FineTune(4);
/// learn.Export("pets.export", modelName: "resnet34", classNames: images.ClassNames);
/// </code>
/// </example>
public static class VisionLearner
{
    /// <summary>ImageNet's per-channel mean and standard deviation of RGB values in [0, 1] (the statistics torchvision's pretrained weights expect).</summary>
    public static ChannelStats ImageNetStats { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Creates the learner.</summary>
    /// <param name="data">The loaders: RGB images [N, 3, H, W] in [0, 1] and class indices.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="architecture">The body.</param>
    /// <param name="pretrained">A torchvision state dict (<c>.pth</c>/<c>.pt</c>) or <c>.safetensors</c> file of the architecture; null starts from random weights.</param>
    /// <param name="strict">Refuse a pretrained file unless every key of the body is in it with its shape.</param>
    /// <param name="stats">Normalisation statistics without pretrained weights; ignored with them (ImageNet's are used).</param>
    /// <param name="dropout">The head's dropout (fastai's <c>ps</c>).</param>
    /// <param name="lossFunc">The loss; default <see cref="Losses.CrossEntropy"/>.</param>
    /// <param name="optFunc">The optimiser; default Adam with <see cref="VisionModel.BodyAndHead"/> groups (pass <c>groups: VisionModel.BodyAndHead</c> to your own).</param>
    /// <param name="lr">The default learning rate.</param>
    /// <param name="cbs">More callbacks.</param>
    /// <param name="metrics">Metrics.</param>
    /// <param name="device">The device; default the learner's.</param>
    /// <returns>The learner; its model is a <see cref="VisionModel"/> whose <see cref="VisionModel.PretrainedReport"/> says what was loaded.</returns>
    /// <exception cref="Checkpoints.CheckpointException">The pretrained file cannot be read or does not fit the body.</exception>
    public static Learner Create(DataBunch data, int classes, VisionArchitecture architecture, string? pretrained = null, bool strict = true,
        ChannelStats? stats = null, double dropout = 0.5, Func<Tensor, Tensor, Tensor>? lossFunc = null, OptimizerFactory? optFunc = null,
        double lr = 1e-3, IEnumerable<Callback>? cbs = null, IEnumerable<Metric>? metrics = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var model = new VisionModel(architecture, classes, dropout);
        try
        {
            if (pretrained is not null)
            {
                model.PretrainedReport = model.LoadBody(pretrained, strict);
            }

            ChannelStats? normalization = pretrained is not null ? ImageNetStats : stats;
            List<Callback> callbacks = normalization is null ? [] : [new Normalize(normalization)];
            callbacks.AddRange(cbs ?? []);
            return new Learner(model, data, lossFunc ?? Losses.CrossEntropy, optFunc ?? Optimizer.Adam(groups: VisionModel.BodyAndHead), lr, callbacks, metrics, device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
