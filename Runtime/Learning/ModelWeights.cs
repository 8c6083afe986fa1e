using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Reads and writes a model's weights (its <c>state_dict</c>: parameters and buffers). Reading is
/// all-or-nothing: the whole stream is read and checked against the model (names, types, shapes,
/// lengths) before any weight is touched, so a wrong or damaged file leaves the model unchanged.
/// </summary>
/// <remarks>
/// Format (little-endian): the 4 bytes <c>CBGW</c>, a format version byte (1), an int32 tensor
/// count, then per tensor its name (a .NET <see cref="BinaryWriter"/> string), its int32
/// <see cref="ScalarType"/>, int32 rank, int64 dimensions, int64 byte length and raw bytes.
/// Checkpoints embed the same bytes through the stream overloads.
/// </remarks>
public static class ModelWeights
{
    private static readonly byte[] Magic = "CBGW"u8.ToArray();
    private const byte Version = 1;

    /// <summary>Writes every tensor of <paramref name="model"/>'s state dictionary to <paramref name="stream"/>.</summary>
    public static void Save(nn.Module model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        Dictionary<string, Tensor> state = model.state_dict();
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(state.Count);
        foreach (var (name, tensor) in state)
        {
            using var scope = NewDisposeScope();
            Tensor host = tensor.detach().cpu().contiguous();
            writer.Write(name);
            writer.Write((int)host.dtype);
            writer.Write((int)host.dim());
            foreach (long d in host.shape)
            {
                writer.Write(d);
            }

            ReadOnlySpan<byte> bytes = host.bytes;
            writer.Write((long)bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>
    /// Reads weights written by <see cref="Save(nn.Module, Stream)"/> into <paramref name="model"/>,
    /// or throws without changing it.
    /// </summary>
    /// <param name="model">The model to load into; its state dictionary decides what the stream must hold.</param>
    /// <param name="stream">The stream, positioned at the weights.</param>
    /// <param name="source">How to name the stream in error messages (a file path).</param>
    /// <exception cref="InvalidDataException">
    /// The stream is not a weights file, is truncated, or does not fit the model; the message names
    /// <paramref name="source"/> and the first parameter that does not fit.
    /// </exception>
    public static void Load(nn.Module model, Stream stream, string source = "the stream")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Dictionary<string, Tensor> state = model.state_dict();
        var staged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        string where = "the header";
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            byte[] magic = reader.ReadBytes(Magic.Length);
            if (magic.Length < Magic.Length)
            {
                throw new EndOfStreamException();
            }

            if (!magic.AsSpan().SequenceEqual(Magic))
            {
                throw Bad(source, "it is not a CallbackGen weights file (it does not start with 'CBGW')");
            }

            byte version = reader.ReadByte();
            if (version != Version)
            {
                throw Bad(source, $"it has weights format version {version}; this CallbackGen reads version {Version}");
            }

            int count = reader.ReadInt32();
            if (count < 0)
            {
                throw Bad(source, $"its tensor count is {count}");
            }

            for (int i = 0; i < count; i++)
            {
                where = $"tensor #{i}'s name";
                string name = reader.ReadString();
                where = $"parameter '{name}'";
                if (!state.TryGetValue(name, out Tensor? target))
                {
                    throw Bad(source, $"it has parameter '{name}', which the model does not have (the model has: {string.Join(", ", state.Keys)})");
                }

                if (staged.ContainsKey(name))
                {
                    throw Bad(source, $"it has parameter '{name}' twice");
                }

                var dtype = (ScalarType)reader.ReadInt32();
                if (dtype != target.dtype)
                {
                    throw Bad(source, $"parameter '{name}' is {dtype} in the file but {target.dtype} in the model");
                }

                int rank = reader.ReadInt32();
                if (rank != target.dim())
                {
                    throw Bad(source, $"parameter '{name}' has rank {rank} in the file but shape [{string.Join(", ", target.shape)}] in the model");
                }

                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = reader.ReadInt64();
                }

                if (!shape.AsSpan().SequenceEqual(target.shape))
                {
                    throw Bad(source, $"parameter '{name}' has shape [{string.Join(", ", shape)}] in the file but [{string.Join(", ", target.shape)}] in the model");
                }

                long length = reader.ReadInt64();
                long expected = target.numel() * target.element_size();
                if (length != expected)
                {
                    throw Bad(source, $"parameter '{name}' has {length} bytes in the file; its shape and type need {expected}");
                }

                // Checked against the model before anything is allocated: a corrupt length cannot
                // make us allocate more than the model's own parameter.
                byte[] bytes = reader.ReadBytes(checked((int)length));
                if (bytes.Length != length)
                {
                    throw new EndOfStreamException();
                }

                Tensor t = empty(shape, dtype, CPU).DetachFromDisposeScope();
                staged.Add(name, t);
                t.bytes = bytes;
            }

            where = "the end of the file";
            string? missing = state.Keys.FirstOrDefault(k => !staged.ContainsKey(k));
            if (missing is not null)
            {
                throw Bad(source, $"it lacks parameter '{missing}' of the model ({count} tensors in the file, {state.Count} in the model)");
            }

            if (stream.CanSeek ? stream.Position != stream.Length : reader.PeekChar() != -1)
            {
                throw Bad(source, "it has unexpected bytes after the last parameter");
            }

            // Everything fits: only now touch the model.
            using (no_grad())
            {
                foreach (var (name, t) in staged)
                {
                    state[name].copy_(t);
                }
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"Cannot load weights from {source}: the file is truncated (it ends inside {where}); the model was left unchanged.", ex);
        }
        finally
        {
            foreach (Tensor t in staged.Values)
            {
                t.Dispose();
            }
        }
    }

    private static InvalidDataException Bad(string source, string problem) =>
        new($"Cannot load weights from {source}: {problem}. The model was left unchanged.");
}
