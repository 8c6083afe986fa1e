using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// One input transform as stored in an export: a kind and its parameters (tensors and arrays of
/// numbers). The built-in kinds are <see cref="Normalize"/> (<c>(x − mean) / std</c>, mean and std
/// shaped to broadcast against the batch, for example [1, C, 1, 1] per channel) and
/// <see cref="Reshape"/> (<c>x.view(shape)</c>).
/// </summary>
public sealed class ExportedTransform
{
    /// <summary>The kind of <c>(x − mean) / std</c>: tensors <c>mean</c> and <c>std</c>.</summary>
    public const string Normalize = "normalize";

    /// <summary>The kind of <c>x.view(shape)</c>: numbers <c>shape</c> (−1 for the batch).</summary>
    public const string Reshape = "reshape";

    /// <summary>Describes a transform.</summary>
    /// <param name="kind">What it does (a built-in kind or one the loader is given).</param>
    /// <param name="tensors">Its tensor parameters by name (copied to the CPU when exported).</param>
    /// <param name="numbers">Its numeric parameters by name.</param>
    public ExportedTransform(string kind, IReadOnlyDictionary<string, Tensor>? tensors = null, IReadOnlyDictionary<string, double[]>? numbers = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
        Tensors = tensors ?? new Dictionary<string, Tensor>();
        Numbers = numbers ?? new Dictionary<string, double[]>();
    }

    /// <summary>The transform's kind.</summary>
    public string Kind { get; }

    /// <summary>The tensor parameters by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The numeric parameters by name.</summary>
    public IReadOnlyDictionary<string, double[]> Numbers { get; }

    /// <summary>A normalisation <c>(x − mean) / std</c>.</summary>
    /// <param name="mean">The mean, shaped to broadcast against a batch.</param>
    /// <param name="std">The standard deviation, shaped like <paramref name="mean"/>.</param>
    public static ExportedTransform ForNormalize(Tensor mean, Tensor std) =>
        new(Normalize, new Dictionary<string, Tensor> { ["mean"] = mean, ["std"] = std });

    /// <summary>
    /// A per-channel normalisation along dimension 1 of a batch of any rank ([N, C], [N, C, H, W] …):
    /// tensors <c>mean</c> and <c>std</c> of shape [C] and the number <c>channelDim</c> = 1.
    /// </summary>
    /// <param name="mean">Each channel's mean.</param>
    /// <param name="std">Each channel's standard deviation.</param>
    public static ExportedTransform ForChannelNormalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
        {
            throw new ArgumentException($"Give one mean and one standard deviation per channel ({mean.Length} and {std.Length} given).");
        }

        return new(Normalize, new Dictionary<string, Tensor> { ["mean"] = tensor(mean), ["std"] = tensor(std) },
            new Dictionary<string, double[]> { ["channelDim"] = [1] });
    }

    /// <summary>A reshape <c>x.view(shape)</c>.</summary>
    /// <param name="shape">The shape, −1 where it is inferred (the batch).</param>
    public static ExportedTransform ForReshape(params long[] shape) =>
        new(Reshape, numbers: new Dictionary<string, double[]> { ["shape"] = shape.Select(d => (double)d).ToArray() });

    /// <summary>A tensor parameter, or an error naming the transform and the parameter.</summary>
    /// <param name="name">The parameter's name.</param>
    public Tensor Tensor(string name) => Tensors.TryGetValue(name, out Tensor? t) ? t
        : throw new InvalidDataException($"The exported '{Kind}' transform has no tensor parameter '{name}'.");

    /// <summary>A numeric parameter, or an error naming the transform and the parameter.</summary>
    /// <param name="name">The parameter's name.</param>
    public double[] Number(string name) => Numbers.TryGetValue(name, out double[]? v) ? v
        : throw new InvalidDataException($"The exported '{Kind}' transform has no numeric parameter '{name}'.");
}
