using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// A model's state dictionary in the one tensor format (<see cref="TensorCodec"/>), and the one check
/// that stored tensors fit a model. Checkpoints (their <c>model</c> section), weights files
/// (<see cref="ModelWeights"/>) and exports (<c>export/weights</c>) are read here, in two passes over
/// the section in place: the headers, checked against the model before anything changes, then the
/// elements, straight into the model's tensors. So all three accept and refuse the same things with
/// the same words, and a load never holds a copy of the model.
/// </summary>
internal static class ModelTensors
{
    /// <summary>The section that holds a model's tensors, in checkpoints and in weights files alike.</summary>
    public const string Section = "model";

    /// <summary>Writes <paramref name="model"/>'s parameters and buffers (any device), each straight from its memory.</summary>
    public static void Write(BinaryWriter w, nn.Module model) => TensorCodec.Write(w, model.state_dict().ToList());

    /// <summary>Reads and checks the headers of a section <see cref="Write"/> wrote; the section must end with the last tensor.</summary>
    public static List<TensorHeader> ReadHeaders(BinaryReader r) => TensorCodec.ReadHeaders(r);

    /// <summary>
    /// Why <paramref name="stored"/> cannot be loaded into <paramref name="model"/> (names, element
    /// types, shapes and byte counts, in the model's order), or null when it fits. Touches nothing.
    /// </summary>
    /// <param name="model">The model that would receive the tensors.</param>
    /// <param name="stored">The tensors' headers read from a file.</param>
    /// <param name="where">How the file is named in the reason ("the checkpoint", "the file").</param>
    public static string? Misfit(nn.Module model, IReadOnlyList<TensorHeader> stored, string where)
    {
        Dictionary<string, Tensor> state = model.state_dict();
        var byName = new Dictionary<string, TensorHeader>(StringComparer.Ordinal);
        foreach (TensorHeader rec in stored)
        {
            if (!byName.TryAdd(rec.Name, rec))
            {
                return $"'{rec.Name}' appears twice in {where}";
            }
        }

        string[] missing = state.Keys.Where(k => !byName.ContainsKey(k)).ToArray();
        string[] extra = byName.Keys.Where(k => !state.ContainsKey(k)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            // Both lists at once: a renamed layer shows up as one of each, and seeing both is the diagnosis.
            var parts = new List<string>();
            if (missing.Length > 0)
            {
                parts.Add($"the model's {Names(missing)} {(missing.Length == 1 ? "is" : "are")} not in {where}");
            }

            if (extra.Length > 0)
            {
                parts.Add($"{where}'s {Names(extra)} {(extra.Length == 1 ? "is" : "are")} not in the model");
            }

            return string.Join("; ", parts) + $" (the model has {Names(state.Keys)})";
        }

        foreach (var (name, tensor) in state)
        {
            TensorHeader rec = byName[name];
            if (!rec.Shape.SequenceEqual(tensor.shape) || rec.DType != tensor.dtype)
            {
                return $"'{name}' has shape {rec.ShapeText} ({rec.DType}) in {where} but [{string.Join(", ", tensor.shape)}] ({tensor.dtype}) in the model";
            }
        }

        return null;
    }

    /// <summary>
    /// Copies the elements of <paramref name="stored"/> from <paramref name="section"/> straight into
    /// <paramref name="model"/>'s tensors (on their own devices) without recording gradients. Call it
    /// only after <see cref="Misfit"/> returned null: then no step here can fail on the data.
    /// </summary>
    public static void Copy(nn.Module model, BinaryReader section, IReadOnlyList<TensorHeader> stored)
    {
        Dictionary<string, Tensor> target = model.state_dict();
        using var noGrad = no_grad();
        foreach (TensorHeader h in stored)
        {
            section.BaseStream.Position = h.DataOffset;
            TensorBytes.ReadInto(section.BaseStream, target[h.Name], h.ByteCount);
        }
    }

    /// <summary>
    /// Loads section <paramref name="section"/> of <paramref name="reader"/> into <paramref name="model"/>:
    /// headers, the fit (a misfit is reported by <paramref name="misfit"/>'s exception), then the copy.
    /// </summary>
    public static void Load(CheckpointReader reader, string section, nn.Module model, string where, Func<string, Exception> misfit)
    {
        List<TensorHeader> headers = reader.Read(section, ReadHeaders);
        if (Misfit(model, headers, where) is string problem)
        {
            throw misfit(problem);
        }

        reader.Read(section, r => Copy(model, r, headers), toEnd: false);
    }

    /// <summary>Quoted names; a long list (a large model's) is cut after the first few, with the total.</summary>
    private static string Names(IEnumerable<string> names)
    {
        const int Shown = 8;
        string[] all = names.ToArray();
        string head = string.Join(", ", all.Take(Shown).Select(n => $"'{n}'"));
        return all.Length <= Shown ? head : $"{head} … ({all.Length} in all)";
    }
}
