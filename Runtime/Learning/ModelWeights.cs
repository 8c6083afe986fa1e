using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Reads and writes a model's weights (its <c>state_dict</c>: parameters and buffers) in the
/// checkpoint format: a <see cref="CheckpointFile"/> (magic, version, SHA-256) holding only the
/// checkpoint's <c>model</c> section, in the checkpoint's tensor encoding. Reading is all-or-nothing:
/// the whole file is checked, then checked against the model (names, element types, shapes) before
/// any weight is touched, so a wrong or damaged file leaves the model unchanged.
/// </summary>
/// <remarks>
/// Loading also takes a checkpoint (its model's weights) or an export (its weights): all three are
/// the same container. Weights files of CallbackGen versions before the one format (they began with
/// <c>CBGW</c>) are refused with a message that says so.
/// </remarks>
/// <example>
/// <code>
/// ModelWeights.Save(model, "model.weights");   // atomically, like Learner.Save
/// ModelWeights.Load(model, "model.weights");   // or from a checkpoint: ModelWeights.Load(model, "runs/last.ckpt")
/// </code>
/// </example>
public static class ModelWeights
{
    private const string Kind = "weights file";

    // Where an export keeps the same tensors (see Inference.ExportFormat).
    private const string ExportSection = "export/weights";

    /// <summary>
    /// Writes <paramref name="model"/>'s weights to <paramref name="path"/> atomically (see
    /// <see cref="IO.AtomicFile"/>): a crash never leaves a half-written file under that name. Each
    /// tensor goes from its memory straight to the file; no copy of the model is made.
    /// </summary>
    /// <param name="model">The model whose state dictionary is written (any device).</param>
    /// <param name="path">The file to create or replace.</param>
    public static void Save(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckpointFile.Write(path, w => WriteSections(w, model));
    }

    /// <summary>Writes <paramref name="model"/>'s weights, the whole file, to <paramref name="stream"/> (left open).</summary>
    /// <param name="model">The model whose state dictionary is written (any device).</param>
    /// <param name="stream">Where to write.</param>
    public static void Save(nn.Module model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new CheckpointWriter(stream);
        WriteSections(w, model);
        w.Finish();
    }

    /// <summary>Loads weights from <paramref name="path"/> into <paramref name="model"/>, or throws without changing it.</summary>
    /// <param name="model">The model to load into; its state dictionary decides what the file must hold.</param>
    /// <param name="path">A weights file, a checkpoint or an export.</param>
    /// <exception cref="CheckpointException">
    /// The file is not a complete CallbackGen file, holds no weights, is malformed or crafted, or does
    /// not fit the model; the message names the file, the section and the first tensor that does not
    /// fit, with both shapes.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Load(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Load(model, file, path);
    }

    /// <summary>
    /// Reads weights written by <see cref="Save(nn.Module, Stream)"/> (the rest of the stream) into
    /// <paramref name="model"/>, or throws without changing it. A seekable stream is read in place;
    /// another is copied into memory first.
    /// </summary>
    /// <param name="model">The model to load into; its state dictionary decides what the stream must hold.</param>
    /// <param name="stream">The stream, positioned at the weights; read to its end.</param>
    /// <param name="source">How to name the stream in error messages (a file path).</param>
    /// <exception cref="CheckpointException">
    /// The stream is not a complete CallbackGen file, holds no weights, or does not fit the model; the
    /// message names <paramref name="source"/> and the first tensor that does not fit.
    /// </exception>
    public static void Load(nn.Module model, Stream stream, string source = "stream")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (!stream.CanSeek)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Load(model, copy, source);
            return;
        }

        using var window = new IO.WindowStream(stream, stream.Position, stream.Length - stream.Position);
        Span<byte> head = stackalloc byte[4];
        if (window.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("CBGW"u8))
        {
            throw Bad(source, "it is a weights file of an earlier CallbackGen (format 'CBGW'), which this version no longer reads; save the weights again with this version");
        }

        using CheckpointReader reader = CheckpointReader.Open(window, ownsFile: false, source, Kind);
        string section = reader.Has(ModelTensors.Section) ? ModelTensors.Section
            : reader.Has(ExportSection) ? ExportSection
            : throw Bad(source, $"it is a CallbackGen file without model weights (its sections: {string.Join(", ", reader.Names)})");
        ModelTensors.Load(reader, section, model, "the file", problem =>
            new CheckpointException($"Cannot load {Kind} '{source}' into this model: {problem}. The model was left unchanged.", source, section));
    }

    private static void WriteSections(CheckpointWriter w, nn.Module model) => w.Section(ModelTensors.Section, b => ModelTensors.Write(b, model));

    private static CheckpointException Bad(string source, string problem) =>
        new($"Cannot load {Kind} '{source}': {problem}. The model was left unchanged.", source);
}
