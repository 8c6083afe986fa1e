using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// A model's state dictionary in the one tensor format (<see cref="TensorCodec"/>, which checkpoints
/// also write through <see cref="TrainingSnapshot"/>), and the one check that stored tensors fit a
/// model. Checkpoints (their <c>model</c> section) and weights files (<see cref="ModelWeights"/>) are
/// read and checked here, so both accept and refuse the same things with the same words.
/// </summary>
internal static class ModelTensors
{
    /// <summary>The section that holds a model's tensors, in checkpoints and in weights files alike.</summary>
    public const string Section = "model";

    /// <summary><paramref name="model"/>'s parameters and buffers, encoded (any device; read back as CPU tensors).</summary>
    public static byte[] Encode(nn.Module model) => IO.BinaryBytes.Of(w => TensorCodec.Write(w, model.state_dict().ToList()));

    /// <summary>Reads what <see cref="Encode"/> wrote; the payload must end with the last tensor.</summary>
    /// <exception cref="InvalidDataException">The payload is malformed, or bytes follow the last tensor.</exception>
    /// <exception cref="EndOfStreamException">The payload ends inside a tensor.</exception>
    public static List<TensorRecord> Decode(byte[] payload)
    {
        using var r = new BinaryReader(new MemoryStream(payload, writable: false), new UTF8Encoding(false, throwOnInvalidBytes: true));
        List<TensorRecord> records = TensorCodec.Read(r);
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (left != 0)
        {
            throw new InvalidDataException($"{left} bytes follow the last tensor");
        }

        return records;
    }

    /// <summary>
    /// Why <paramref name="stored"/> cannot be loaded into <paramref name="model"/> (names, element
    /// types, shapes and byte counts, in the model's order), or null when it fits. Touches nothing.
    /// </summary>
    /// <param name="model">The model that would receive the tensors.</param>
    /// <param name="stored">The tensors read from a file.</param>
    /// <param name="where">How the file is named in the reason ("the checkpoint", "the file").</param>
    public static string? Misfit(nn.Module model, IReadOnlyList<TensorRecord> stored, string where)
    {
        Dictionary<string, Tensor> state = model.state_dict();
        var byName = new Dictionary<string, TensorRecord>(StringComparer.Ordinal);
        foreach (TensorRecord rec in stored)
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
            TensorRecord rec = byName[name];
            if (!rec.Shape.SequenceEqual(tensor.shape) || rec.DType != tensor.dtype)
            {
                return $"'{name}' has shape {rec.ShapeText} ({rec.DType}) in {where} but [{string.Join(", ", tensor.shape)}] ({tensor.dtype}) in the model";
            }

            long needed = tensor.numel() * tensor.ElementSize;
            if (rec.Data.Length != needed)
            {
                return $"'{name}' holds {rec.Data.Length} bytes in {where} but its shape needs {needed}";
            }
        }

        return null;
    }

    /// <summary>
    /// Copies <paramref name="stored"/> into <paramref name="model"/> (onto each tensor's own device)
    /// without recording gradients. Call it only after <see cref="Misfit"/> returned null: then no
    /// step here can fail on the data.
    /// </summary>
    public static void Copy(nn.Module model, IReadOnlyList<TensorRecord> stored)
    {
        Dictionary<string, Tensor> target = model.state_dict();
        using (no_grad())
        {
            foreach (TensorRecord rec in stored)
            {
                using Tensor src = rec.ToTensor();
                target[rec.Name].copy_(src);
            }
        }
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
