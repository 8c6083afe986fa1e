using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using CallbackGen.Checkpoints;
using static TorchSharp.torch;

namespace CallbackGen.Interop;

/// <summary>
/// Reads a PyTorch state dict (<c>torch.save</c>'s zip archive, <c>.pt</c>/<c>.pth</c>/<c>.bin</c>) or a
/// <c>.safetensors</c> file into CPU tensors, trusting nothing in it: the pickle goes through
/// <see cref="StateDictPickle"/> (no code runs, only tensor-rebuild globals), and every size, offset and
/// length is checked against the file's size before anything is allocated. Every failure is a
/// <see cref="CheckpointException"/> naming the file and what is wrong.
/// </summary>
internal static class ForeignWeightsReader
{
    /// <summary>The safetensors element type names.</summary>
    private static readonly Dictionary<string, ScalarType> SafetensorsTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Reads every tensor of <paramref name="path"/>, in the file's order (CPU, contiguous; the caller disposes them).</summary>
    /// <exception cref="CheckpointException">The file is missing, of another format, malformed or refused.</exception>
    public static List<KeyValuePair<string, Tensor>> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new CheckpointException($"The weights file '{full}' does not exist.", full);
        }

        try
        {
            using FileStream file = File.OpenRead(full);
            Span<byte> head = stackalloc byte[9];
            int got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (got >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            {
                return ReadTorchZip(file, full);
            }

            if (got == 9 && head[8] == (byte)'{')
            {
                return ReadSafetensors(file, full);
            }

            if (got >= 2 && head[0] == 0x80)
            {
                throw Fail(full, "it is a pickle of PyTorch's legacy (pre-1.6) format, which this reader does not read; re-save it with a current torch.save (a zip archive)");
            }

            throw Fail(full, "it is neither a PyTorch state dict (torch.save's zip archive) nor a .safetensors file");
        }
        catch (CheckpointException)
        {
            throw;
        }
        catch (PickleRefusedException e)
        {
            throw Fail(full, e.Message, e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or UnauthorizedAccessException or OverflowException or ArgumentException)
        {
            throw Fail(full, e.Message, e);
        }
    }

    private static List<KeyValuePair<string, Tensor>> ReadTorchZip(FileStream file, string path)
    {
        long fileSize = file.Length;
        using var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);

        // Records are '<archive>/data.pkl', '<archive>/data/<key>', '<archive>/byteorder'; the archive folder is any name.
        ZipArchiveEntry[] pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToArray();
        if (pickles.Length != 1)
        {
            throw Fail(path, $"the zip archive has {pickles.Length} '<name>/data.pkl' records; a torch.save'd file has exactly one");
        }

        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        var records = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (ZipArchiveEntry e in zip.Entries)
        {
            if (e.Length < 0 || e.Length > fileSize)
            {
                throw Fail(path, $"the record '{e.FullName}' claims {e.Length} bytes, more than the file's {fileSize}");
            }

            if (e.FullName.StartsWith(prefix + "data/", StringComparison.Ordinal))
            {
                records[e.FullName[(prefix.Length + 5)..]] = e;
            }
        }

        ZipArchiveEntry? byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder is not null && !ReadAll(byteOrder, path).AsSpan().SequenceEqual("little"u8))
        {
            throw Fail(path, "its tensors are stored big-endian (the 'byteorder' record); this reader reads little-endian files only");
        }

        List<ForeignTensor> described = StateDictPickle.Read(ReadAll(pickles[0], path), key => records.TryGetValue(key, out ZipArchiveEntry? e) ? e.Length : null);
        foreach (ForeignTensor t in described)
        {
            CheckSize(path, t.Key, t.Shape, t.DType, fileSize);
        }

        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, Tensor>>(described.Count);
        try
        {
            foreach (ForeignTensor t in described)
            {
                if (!storages.TryGetValue(t.StorageKey, out byte[]? bytes))
                {
                    bytes = ReadAll(records[t.StorageKey], path);
                    storages[t.StorageKey] = bytes;
                }

                result.Add(new(t.Key, Materialise(t, bytes)));
            }
        }
        catch
        {
            foreach (var (_, tensor) in result)
            {
                tensor.Dispose();
            }

            throw;
        }

        return result;
    }

    // The storage as a 1-D tensor, then the (checked) strided view copied out contiguous.
    private static Tensor Materialise(ForeignTensor t, byte[] storage)
    {
        using Tensor flat = empty(t.StorageElements, t.DType);
        storage.CopyTo(flat.bytes);
        using Tensor view = flat.as_strided(t.Shape, t.Stride, t.Offset);
        return view.contiguous().clone();
    }

    private static byte[] ReadAll(ZipArchiveEntry entry, string path)
    {
        // Length was checked against the file's size; a record that then holds more or less is refused.
        byte[] bytes = new byte[entry.Length];
        using Stream s = entry.Open();
        int n = s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (n != bytes.Length || s.ReadByte() != -1)
        {
            throw Fail(path, $"the record '{entry.FullName}' does not hold the {entry.Length} bytes its header claims");
        }

        return bytes;
    }

    private static List<KeyValuePair<string, Tensor>> ReadSafetensors(FileStream file, string path)
    {
        // An 8-byte little-endian header length, a JSON header, then the tensors' bytes.
        long fileSize = file.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        file.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileSize - 8) || headerLength > 100_000_000)
        {
            throw Fail(path, $"its safetensors header claims {headerLength} bytes, but the file has {fileSize - 8} after the length");
        }

        byte[] header = new byte[headerLength];
        file.ReadExactly(header);
        // System.Text.Json checks a name's UTF-8 only when the name is read, with an InvalidOperationException
        // from the middle of the walk below; a header that is not UTF-8 is refused here instead.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw Fail(path, "its safetensors header is not valid UTF-8");
        }

        long dataStart = 8 + (long)headerLength;
        long dataSize = fileSize - dataStart;

        var described = new List<(string Key, ScalarType DType, long[] Shape, long Begin, long End)>();
        try
        {
            using (JsonDocument doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 }))
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Fail(path, "its safetensors header is not a JSON object");
                }

                foreach (JsonProperty p in doc.RootElement.EnumerateObject())
                {
                    if (p.Name == "__metadata__")
                    {
                        continue;
                    }

                    JsonElement v = p.Value;
                    if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("dtype", out JsonElement dt) || !v.TryGetProperty("shape", out JsonElement sh) || !v.TryGetProperty("data_offsets", out JsonElement off)
                        || dt.ValueKind != JsonValueKind.String || sh.ValueKind != JsonValueKind.Array || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2 || sh.GetArrayLength() > 64)
                    {
                        throw Fail(path, $"the header entry '{p.Name}' is not {{\"dtype\", \"shape\", \"data_offsets\": [begin, end]}}");
                    }

                    if (!SafetensorsTypes.TryGetValue(dt.GetString()!, out ScalarType dtype))
                    {
                        throw Fail(path, $"tensor '{p.Name}' has element type '{dt.GetString()}', not one of {string.Join(", ", SafetensorsTypes.Keys)}");
                    }

                    long[] shape = sh.EnumerateArray().Select(d => d.TryGetInt64(out long x) && x >= 0 ? x : throw Fail(path, $"tensor '{p.Name}' has a dimension that is not a non-negative integer")).ToArray();
                    long begin = off[0].TryGetInt64(out long b) ? b : -1, end = off[1].TryGetInt64(out long e) ? e : -1;
                    if (begin < 0 || end < begin || end > dataSize)
                    {
                        throw Fail(path, $"tensor '{p.Name}' lies at bytes [{off[0]}, {off[1]}) of a data section of {dataSize} bytes");
                    }

                    long size = StateDictPickle.ElementSize(dtype);
                    long elements = 1;
                    foreach (long d in shape)
                    {
                        elements = d == 0 ? 0 : elements > (end - begin) / d ? long.MaxValue : elements * d;
                    }

                    if (elements == long.MaxValue || elements * size != end - begin)
                    {
                        throw Fail(path, $"tensor '{p.Name}' of shape [{string.Join(", ", shape)}] and type {dt.GetString()} needs {(elements == long.MaxValue ? "more" : (elements * size).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes but has {end - begin}");
                    }

                    CheckSize(path, p.Name, shape, dtype, fileSize);
                described.Add((p.Name, dtype, shape, begin, end));
                }
            }
        }
        catch (InvalidOperationException e)
        {
            // A string escape that is not valid UTF-16 (a lone surrogate, "\uD800") fails only when it is read.
            throw Fail(path, $"its safetensors header has a name or value that is not valid text ({e.Message})", e);
        }

        var result = new List<KeyValuePair<string, Tensor>>(described.Count);
        try
        {
            foreach (var (key, dtype, shape, begin, end) in described)
            {
                Tensor t = empty(shape, dtype);
                result.Add(new(key, t));
                file.Position = dataStart + begin;
                file.ReadExactly(t.bytes);
            }
        }
        catch
        {
            foreach (var (_, tensor) in result)
            {
                tensor.Dispose();
            }

            throw;
        }

        return result;
    }

    // Each tensor is materialised contiguous, so its elements are what a load allocates: a zero stride
    // (pickle) can make a few stored elements a huge tensor, and an empty tensor's other dimensions
    // (either format) reach libtorch's size arithmetic, which throws on overflow. The product of the
    // dimensions, a zero counted as one, is bounded by the file's size.
    private static void CheckSize(string path, string key, long[] shape, ScalarType dtype, long fileSize)
    {
        long bytes = StateDictPickle.ElementSize(dtype);
        foreach (long d in shape)
        {
            long factor = Math.Max(d, 1);
            if (bytes > fileSize / factor)
            {
                throw Fail(path, $"tensor '{key}' of shape [{string.Join(", ", shape)}] and type {dtype} would take more bytes than the file's {fileSize}; a tensor this reader builds is at most the file's size");
            }

            bytes *= factor;
        }
    }

    private static CheckpointException Fail(string path, string what, Exception? inner = null) =>
        new($"Cannot read the weights file '{path}': {what}.", path, inner);
}
