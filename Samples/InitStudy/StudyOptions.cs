namespace CallbackGen.Samples.InitStudy;

/// <summary>The study's settings.</summary>
public sealed record StudyOptions
{
    /// <summary>How many images form the measured batch.</summary>
    public int Images { get; init; } = 256;

    /// <summary>The number of weight layers in each stack.</summary>
    public int Depth { get; init; } = 8;

    /// <summary>Seeds the weights; every scheme starts from the same generator state.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Where the PNG goes; null: <c>runs/init-study-&lt;timestamp&gt;</c>.</summary>
    public string? Out { get; init; }

    /// <summary>An MNIST-format folder; null: <see cref="CallbackGen.Data.FashionMnistData.DefaultLocation"/>.</summary>
    public string? Data { get; init; }
}
