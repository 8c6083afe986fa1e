using System.Text;
using System.Text.Json;
using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// The layout of an export inside the checkpoint container (<see cref="CheckpointFile"/>: magic,
/// version, named sections, SHA-256): <c>export/meta</c> (UTF-8 JSON: format, model name and version,
/// class names, each input transform's kind and numbers), <c>export/weights</c> (the model's state
/// dictionary, <see cref="TensorCodec"/>) and <c>export/transform/{i}</c> (transform <c>i</c>'s tensors).
/// </summary>
internal static class ExportFormat
{
    public const string MetaSection = "export/meta";
    public const string WeightsSection = "export/weights";
    public const string TransformSection = "export/transform/";
    public const int FormatVersion = 1;

    public static void Write(string path, ExportMetadata meta, nn.Module model, IReadOnlyList<ExportedTransform> transforms)
    {
        var sections = new List<KeyValuePair<string, byte[]>>
        {
            new(MetaSection, JsonSerializer.SerializeToUtf8Bytes(new MetaJson(
                FormatVersion, meta.ModelName, meta.ModelVersion, meta.ClassNames.ToArray(),
                transforms.Select(t => new TransformJson(t.Kind, t.Numbers.ToDictionary(p => p.Key, p => p.Value))).ToArray()))),
            new(WeightsSection, Encode(model.state_dict().Select(p => new KeyValuePair<string, Tensor>(p.Key, p.Value)).ToList())),
        };
        for (int i = 0; i < transforms.Count; i++)
        {
            sections.Add(new(TransformSection + i, Encode(transforms[i].Tensors.ToList())));
        }

        CheckpointFile.Write(path, sections);
    }

    public static (ExportMetadata Meta, List<TensorRecord> Weights, List<ExportedTransform> Transforms) Read(string path)
    {
        IReadOnlyDictionary<string, byte[]> sections;
        try
        {
            sections = CheckpointFile.Read(path);
        }
        catch (CheckpointException ex)
        {
            // The container's own check failed: say so for an export, as the export's other errors do.
            throw new InvalidDataException(ex.Message.Replace($"Cannot load checkpoint '{path}'", $"Cannot load export '{path}'", StringComparison.Ordinal), ex);
        }

        if (!sections.TryGetValue(MetaSection, out byte[]? metaBytes) || !sections.TryGetValue(WeightsSection, out byte[]? weightBytes))
        {
            throw new InvalidDataException($"Cannot load export '{path}': it is a CallbackGen file but not an export (no '{MetaSection}' or '{WeightsSection}' section; a checkpoint?).");
        }

        MetaJson meta;
        try
        {
            meta = JsonSerializer.Deserialize<MetaJson>(Encoding.UTF8.GetString(metaBytes))
                ?? throw new InvalidDataException("the metadata is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Cannot load export '{path}': its metadata is not valid JSON ({ex.Message}).", ex);
        }

        if (meta.Format != FormatVersion)
        {
            throw new InvalidDataException($"Cannot load export '{path}': it has export format {meta.Format}; this build reads format {FormatVersion}.");
        }

        var transforms = new List<ExportedTransform>();
        TransformJson[] steps = meta.Transforms ?? Array.Empty<TransformJson>();
        for (int i = 0; i < steps.Length; i++)
        {
            Dictionary<string, Tensor> tensors = sections.TryGetValue(TransformSection + i, out byte[]? tb)
                ? Decode(tb).ToDictionary(r => r.Name, r => r.ToTensor())
                : new Dictionary<string, Tensor>();
            transforms.Add(new ExportedTransform(steps[i].Kind, tensors, steps[i].Numbers ?? new Dictionary<string, double[]>()));
        }

        var metadata = new ExportMetadata(meta.ModelName ?? "", meta.ModelVersion ?? "", meta.ClassNames ?? Array.Empty<string>());
        return (metadata, Decode(weightBytes), transforms);
    }

    private static byte[] Encode(IReadOnlyList<KeyValuePair<string, Tensor>> tensors) => IO.BinaryBytes.Of(w => TensorCodec.Write(w, tensors));

    private static List<TensorRecord> Decode(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        return TensorCodec.Read(r);
    }

    private sealed record MetaJson(int Format, string? ModelName, string? ModelVersion, string[]? ClassNames, TransformJson[]? Transforms);

    private sealed record TransformJson(string Kind, Dictionary<string, double[]>? Numbers);
}
