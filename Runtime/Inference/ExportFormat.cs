using System.Text.Json;
using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Inference;

/// <summary>
/// The layout of an export inside the checkpoint container (<see cref="CheckpointFile"/>: magic,
/// version, named sections, index, SHA-256): <c>export/meta</c> (UTF-8 JSON: format, model name and
/// version, class names, each input transform's kind and numbers), <c>export/weights</c> (the model's
/// state dictionary, <see cref="TensorCodec"/>, streamed like a checkpoint's <c>model</c> section) and
/// <c>export/transform/{i}</c> (transform <c>i</c>'s tensors). Every failure to read one is a
/// <see cref="CheckpointException"/> naming the file and the section.
/// </summary>
internal static class ExportFormat
{
    public const string MetaSection = "export/meta";
    public const string WeightsSection = "export/weights";
    public const string TransformSection = "export/transform/";
    public const int FormatVersion = 1;

    // Deep enough for the metadata's own shape; a crafted file nests no further before it is refused.
    private static readonly JsonSerializerOptions Json = new() { MaxDepth = 8 };

    public static void Write(string path, ExportMetadata meta, nn.Module model, IReadOnlyList<ExportedTransform> transforms)
    {
        byte[] metaJson = JsonSerializer.SerializeToUtf8Bytes(new MetaJson(
            FormatVersion, meta.ModelName, meta.ModelVersion, meta.ClassNames.ToArray(),
            transforms.Select(t => new TransformJson(t.Kind, t.Numbers.ToDictionary(p => p.Key, p => p.Value))).ToArray()));
        CheckpointFile.Write(path, w =>
        {
            w.Section(MetaSection, b => b.Write(metaJson));
            w.Section(WeightsSection, b => ModelTensors.Write(b, model));
            for (int i = 0; i < transforms.Count; i++)
            {
                ExportedTransform t = transforms[i];
                w.Section(TransformSection + i, b => TensorCodec.Write(b, t.Tensors.ToList()));
            }
        });
    }

    /// <summary>
    /// Opens an export: checks the container, reads the metadata and the transforms' tensors (the
    /// caller owns them) and leaves the weights in the file for <see cref="ModelTensors.Load"/>.
    /// </summary>
    /// <exception cref="CheckpointException">The file is not a complete export, or a section is malformed.</exception>
    public static (CheckpointReader File, ExportMetadata Meta, List<ExportedTransform> Transforms) Open(string path)
    {
        CheckpointReader file = CheckpointReader.Open(path, "export");
        var transforms = new List<ExportedTransform>();
        try
        {
            if (!file.Has(MetaSection) || !file.Has(WeightsSection))
            {
                throw new CheckpointException($"Cannot load export '{path}': it is a CallbackGen file but not an export (no '{MetaSection}' or '{WeightsSection}' section; a checkpoint?).", path);
            }

            MetaJson meta = file.Read(MetaSection, r =>
                JsonSerializer.Deserialize<MetaJson>(r.ReadBytes((int)r.BaseStream.Length), Json) ?? throw new InvalidDataException("the metadata is empty"));
            if (meta.Format != FormatVersion)
            {
                throw file.Fail(MetaSection, $"it has export format {meta.Format}; this build reads format {FormatVersion}");
            }

            TransformJson[] steps = meta.Transforms ?? Array.Empty<TransformJson>();
            for (int i = 0; i < steps.Length; i++)
            {
                string section = TransformSection + i;
                if (string.IsNullOrWhiteSpace(steps[i]?.Kind))
                {
                    throw file.Fail(MetaSection, $"transform {i} has no kind");
                }

                var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                if (file.Has(section))
                {
                    foreach (TensorRecord rec in file.Read(section, TensorCodec.Read))
                    {
                        if (!tensors.TryAdd(rec.Name, rec.ToTensor().DetachFromDisposeScope()))
                        {
                            throw file.Fail(section, $"tensor '{rec.Name}' appears twice");
                        }
                    }
                }

                transforms.Add(new ExportedTransform(steps[i].Kind, tensors, steps[i].Numbers ?? new Dictionary<string, double[]>()));
            }

            var metadata = new ExportMetadata(meta.ModelName ?? "", meta.ModelVersion ?? "", meta.ClassNames ?? Array.Empty<string>());
            return (file, metadata, transforms);
        }
        catch
        {
            Release(transforms);
            file.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the transforms' tensors.</summary>
    public static void Release(IEnumerable<ExportedTransform> transforms)
    {
        foreach (ExportedTransform t in transforms)
        {
            foreach (Tensor tensor in t.Tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    private sealed record MetaJson(int Format, string? ModelName, string? ModelVersion, string[]? ClassNames, TransformJson[]? Transforms);

    private sealed record TransformJson(string Kind, Dictionary<string, double[]>? Numbers);
}
