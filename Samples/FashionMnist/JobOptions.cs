namespace CallbackGen.Samples.FashionMnist;

/// <summary>Everything the main job needs to know; the command line maps onto this one-to-one.</summary>
public sealed record JobOptions
{
    /// <summary>
    /// The default model: the MLP reaches 86% on the embedded subset in 5 epochs, well inside two minutes
    /// on 2 cores including the LR finder; the CNN reaches 87% in 3 epochs but needs about three times the CPU.
    /// </summary>
    public const ModelKind DefaultModel = ModelKind.Mlp;

    /// <summary>The default number of epochs.</summary>
    public const int DefaultEpochs = 5;

    /// <summary>The default training batch size.</summary>
    public const int DefaultBatchSize = 128;

    /// <summary>The default seed.</summary>
    public const int DefaultSeed = 42;

    /// <summary>The default sanity floor (the seed notebook's <c>assert accuracy &gt; 0.7</c>).</summary>
    public const double DefaultMinAccuracy = 0.7;

    /// <summary>An MNIST-format folder; null picks the full Fashion-MNIST if installed, else the embedded subset.</summary>
    public string? Data { get; init; }

    /// <summary>The architecture.</summary>
    public ModelKind Model { get; init; } = DefaultModel;

    /// <summary>The number of epochs (the total, when resuming).</summary>
    public int Epochs { get; init; } = DefaultEpochs;

    /// <summary>The training batch size.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The peak learning rate of the one-cycle schedule; null runs the LR finder and uses its suggestion.</summary>
    public double? Lr { get; init; }

    /// <summary>Train on the GPU (<c>cuda</c>) rather than the CPU.</summary>
    public bool Cuda { get; init; }

    /// <summary>Where the plots, metrics.csv, the checkpoint and run.json go; null: <c>runs/&lt;timestamp&gt;</c>.</summary>
    public string? Out { get; init; }

    /// <summary>A checkpoint to resume from; null starts a new fit.</summary>
    public string? Resume { get; init; }

    /// <summary>Seeds the weights and the shuffling.</summary>
    public int Seed { get; init; } = DefaultSeed;

    /// <summary>The number of CPU threads for TorchSharp; null keeps TorchSharp's default.</summary>
    public int? Threads { get; init; }

    /// <summary>Use only the first images of the training set (quick runs); null uses all.</summary>
    public int? TrainCount { get; init; }

    /// <summary>Use only the first images of the validation set (quick runs); null uses all.</summary>
    public int? ValidCount { get; init; }

    /// <summary>The run fails (exit code 1) when the final validation accuracy is below this.</summary>
    public double MinAccuracy { get; init; } = DefaultMinAccuracy;

    /// <summary>Print the model's summary (layers, output shapes, parameter counts) before training.</summary>
    public bool Summary { get; init; }

    /// <summary>Augment the training images on the device (random crop after padding, flip, erasing); CNN only.</summary>
    public bool Augment { get; init; }

    /// <summary>Train with MixUp of this alpha; null: no MixUp.</summary>
    public double? MixUp { get; init; }

    /// <summary>The default number of loader threads for an image folder: none (the decoded images are cached before the first epoch).</summary>
    public const int DefaultWorkers = 0;

    /// <summary>
    /// An image folder to train on instead of MNIST-format files: <c>train/&lt;class&gt;/</c> and
    /// <c>valid/&lt;class&gt;/</c>, or <c>&lt;class&gt;/</c> split at random with <see cref="Seed"/>; images are
    /// decoded grey at 28 x 28. Null: use <see cref="Data"/>.
    /// </summary>
    public string? Images { get; init; }

    /// <summary>Background threads decoding an image folder's batches while the model trains (0: on the training thread).</summary>
    public int Workers { get; init; } = DefaultWorkers;

    /// <summary>A TorchVision architecture (<c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c>…) to fine-tune on <see cref="Images"/> (see <see cref="TransferJob"/>); null: the MNIST job.</summary>
    public string? Arch { get; init; }

    /// <summary>Pretrained weights for <see cref="Arch"/>: a PyTorch state dict or a .safetensors file; null: from scratch.</summary>
    public string? Pretrained { get; init; }

    /// <summary>Write the MNIST-format data as PNG folders here and exit, instead of training; null: train.</summary>
    public string? WriteImages { get; init; }

    /// <summary>Train on every rank of an mpirun job (also on when mpirun's environment is detected); <see cref="BatchSize"/> is the global batch.</summary>
    public bool Distributed { get; init; }
}
