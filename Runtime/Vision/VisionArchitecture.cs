namespace CallbackGen.Vision;

/// <summary>The TorchVision architectures a <see cref="VisionModel"/> takes as its body (their state-dict keys are PyTorch torchvision's).</summary>
public enum VisionArchitecture
{
    /// <summary>ResNet-18 (512 features).</summary>
    ResNet18,

    /// <summary>ResNet-34 (512 features).</summary>
    ResNet34,

    /// <summary>ResNet-50 (2048 features).</summary>
    ResNet50,

    /// <summary>ResNet-101 (2048 features).</summary>
    ResNet101,

    /// <summary>ResNet-152 (2048 features).</summary>
    ResNet152,
}
