using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Interop;

/// <summary>
/// Loads weights trained elsewhere: a PyTorch <c>state_dict</c> saved with <c>torch.save</c>
/// (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>) or a <c>.safetensors</c> file, into a TorchSharp module whose
/// state-dict keys follow PyTorch's (TorchVision's models do). Files are untrusted: no code from them
/// runs, the pickle may name only the globals that rebuild tensors, and every length is bounded by the
/// file's size (docs/checkpoint-format.md, "Loading files you did not write").
/// </summary>
/// <remarks>
/// <para>
/// The keys are compared first, and nothing is copied unless the load can complete: strict (the
/// default) refuses a file with any key missing, unexpected or of another shape, with the whole
/// <see cref="WeightsLoadReport"/> as the message; <c>strict: false</c> loads the keys that match and
/// the report says what it skipped. Element types are converted when that is safe — between floating
/// types, or from an integer type to a wider one of the same signedness (or from bytes to any wider
/// integer) — and any other difference is an error naming the key.
/// </para>
/// <para>
/// TorchSharp.PyBridge reads these formats too, but trusts the file: it allocates each tensor from the
/// shape the file gives before checking it against the bytes, reads storages shared between tensors
/// from their start (ignoring the offset), runs Razorvine's general unpickler (any global becomes an
/// object), and reports a mismatch without naming the keys. This reader is its own for those reasons.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var resnet = torchvision.models.resnet18();
/// WeightsLoadReport report = PyTorchWeights.Load(resnet, "resnet18.pth");
/// Console.WriteLine(report);   // 122 tensors loaded from '…/resnet18.pth'; every key of the model matched.
/// </code>
/// </example>
public static class PyTorchWeights
{
    /// <summary>Reads every tensor of a PyTorch or safetensors file (CPU tensors in the file's order; the caller disposes them).</summary>
    /// <param name="path">The file.</param>
    /// <returns>Key and tensor pairs.</returns>
    /// <exception cref="CheckpointException">The file is missing, not of either format, malformed, or names something refused; the message says what and where.</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Read(string path) => ForeignWeightsReader.Read(path);

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="model"/> (see the type's remarks for the rules).
    /// </summary>
    /// <param name="model">The module; its state-dict keys are compared with the file's.</param>
    /// <param name="path">A <c>torch.save</c>d state dict or a <c>.safetensors</c> file.</param>
    /// <param name="strict">Refuse the file unless every key matches in name and shape; false loads what matches and reports the rest.</param>
    /// <param name="ignorePrefixes">File keys starting with one of these are left out and reported as ignored (for example <c>fc.</c>, a classifier being replaced).</param>
    /// <returns>What was loaded, skipped and converted.</returns>
    /// <exception cref="CheckpointException">
    /// The file cannot be read (see <see cref="Read"/>), a strict load does not match (the message is the report), or a
    /// tensor's element type cannot be converted safely (the key named). The model is unchanged.
    /// </exception>
    public static WeightsLoadReport Load(nn.Module model, string path, bool strict = true, IEnumerable<string>? ignorePrefixes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        string full = Path.GetFullPath(path);
        string[] ignore = ignorePrefixes?.ToArray() ?? [];
        IReadOnlyList<KeyValuePair<string, Tensor>> file = Read(full);
        try
        {
            Dictionary<string, Tensor> target = model.state_dict();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var loaded = new List<(string Key, Tensor Source, Tensor Target)>();
            List<string> unexpected = [], ignored = [];
            List<ShapeMismatch> shapes = [];
            List<DTypeConversion> converted = [];
            foreach (var (key, source) in file)
            {
                if (!seen.Add(key))
                {
                    throw new CheckpointException($"Cannot load '{full}': the key '{key}' appears twice.", full);
                }

                if (ignore.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                {
                    ignored.Add(key);
                    continue;
                }

                if (!target.TryGetValue(key, out Tensor? t))
                {
                    unexpected.Add(key);
                    continue;
                }

                if (!source.shape.SequenceEqual(t.shape))
                {
                    shapes.Add(new ShapeMismatch(key, t.shape, source.shape));
                    continue;
                }

                if (source.dtype != t.dtype)
                {
                    if (!SafeConversion(source.dtype, t.dtype))
                    {
                        throw new CheckpointException(
                            $"Cannot load '{full}': the tensor '{key}' is {source.dtype} in the file and {t.dtype} in the model, and converting {source.dtype} to {t.dtype} could change its values. Nothing was loaded.", full);
                    }

                    converted.Add(new DTypeConversion(key, source.dtype, t.dtype));
                }

                loaded.Add((key, source, t));
            }

            var ignoredKeys = new HashSet<string>(ignored, StringComparer.Ordinal);
            List<string> missing = target.Keys.Where(k => !seen.Contains(k) || ignoredKeys.Contains(k)).ToList();
            var report = new WeightsLoadReport(full, strict, loaded.Select(l => l.Key).ToList(), missing, unexpected, shapes, converted, ignored);
            if (strict && !report.IsExact)
            {
                throw new CheckpointException(
                    $"Cannot load '{full}' strictly: {report}\nNothing was loaded. Pass strict: false to load the keys that match and skip the rest" +
                    (unexpected.Count > 0 ? ", or ignorePrefixes to leave parts of the file out on purpose." : "."), full);
            }

            using (no_grad())
            {
                foreach (var (_, source, t) in loaded)
                {
                    t.copy_(source);
                }
            }

            return report;
        }
        finally
        {
            foreach (var (_, tensor) in file)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Floating to floating; integer to a wider integer of the same signedness; bytes to a wider integer; bool to bool.</summary>
    internal static bool SafeConversion(ScalarType from, ScalarType to)
    {
        static bool Floating(ScalarType t) => t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
        static int SignedWidth(ScalarType t) => t switch { ScalarType.Int8 => 1, ScalarType.Int16 => 2, ScalarType.Int32 => 4, ScalarType.Int64 => 8, _ => 0 };
        if (Floating(from) && Floating(to))
        {
            return true;
        }

        int f = SignedWidth(from), t = SignedWidth(to);
        return (f > 0 && t >= f) || (from == ScalarType.Byte && t > 1);
    }
}
