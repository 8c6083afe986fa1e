using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace CallbackGen.Interop;

/// <summary>
/// Reads the <c>data.pkl</c> of a <c>torch.save</c>d state dict without running any code from it: a
/// pickle machine that knows only the opcodes such a file uses and only the globals that rebuild
/// tensors (<see cref="AllowedGlobals"/>). Anything else — another global (<c>os.system</c>,
/// <c>builtins.eval</c>…), an opcode that builds arbitrary objects (<c>INST</c>, <c>OBJ</c>,
/// <c>NEWOBJ</c>, extensions) — stops the read before anything is built, naming what was refused.
/// Every length in the pickle is checked against the bytes left, and every tensor's shape, strides
/// and offset against its storage's size, so nothing it reads makes a large allocation or reaches
/// native code unchecked.
/// </summary>
/// <remarks>
/// The opcodes of protocols 2 to 4 that a state dict needs (see docs/checkpoint-format.md, "Loading
/// files you did not write"). Results are plain values: strings, integers, floats, booleans, None,
/// tuples, lists, dicts, and the tensor descriptions (<see cref="ForeignTensor"/>) of the state dict.
/// </remarks>
internal sealed class StateDictPickle
{
    /// <summary>The globals a state dict's pickle may name: <c>module.name</c>.</summary>
    public static readonly IReadOnlySet<string> AllowedGlobals = new HashSet<string>(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
        "torch.ByteStorage", "torch.BoolStorage",
    };

    private const int MaxRank = 64;

    private readonly byte[] data;
    private readonly Func<string, long?> storageBytes;
    private readonly List<object?> stack = new();
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = new();
    private int pos;

    private StateDictPickle(byte[] data, Func<string, long?> storageBytes)
    {
        this.data = data;
        this.storageBytes = storageBytes;
    }

    /// <summary>
    /// Reads a state dict: key → tensor description, in the file's order.
    /// </summary>
    /// <param name="pickle">The bytes of <c>data.pkl</c>.</param>
    /// <param name="storageBytes">The byte size of a storage record of the archive (<c>data/&lt;key&gt;</c>), or null when there is none.</param>
    /// <exception cref="PickleRefusedException">What was refused or is malformed, with its position.</exception>
    public static List<ForeignTensor> Read(byte[] pickle, Func<string, long?> storageBytes)
    {
        object? result = new StateDictPickle(pickle, storageBytes).Run();
        if (result is not PyDict dict)
        {
            throw new PickleRefusedException($"the pickle holds a {Describe(result)}, not a state dict (a dict of tensors); save one with torch.save(model.state_dict(), path)");
        }

        var tensors = new List<ForeignTensor>(dict.Items.Count);
        foreach (var (k, v) in dict.Items)
        {
            if (k is not string key)
            {
                throw new PickleRefusedException($"the state dict has a key that is a {Describe(k)}, not a string");
            }

            if (v is not ForeignTensor t)
            {
                throw new PickleRefusedException($"the state dict's entry '{key}' is a {Describe(v)}, not a tensor");
            }

            tensors.Add(t with { Key = key });
        }

        return tensors;
    }

    private object? Run()
    {
        while (true)
        {
            int at = pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: // PROTO
                    byte proto = U8();
                    if (proto > 5)
                    {
                        throw Refuse(at, $"pickle protocol {proto} is not one this reader knows (2 to 5)");
                    }

                    break;
                case 0x95: // FRAME: a length hint only
                    Take(8, at);
                    break;
                case (byte)'.': // STOP
                    if (stack.Count != 1 || marks.Count != 0)
                    {
                        throw Refuse(at, "the pickle ends with a stack that is not one value");
                    }

                    return stack[0];
                case (byte)'(': marks.Push(stack.Count); break; // MARK
                case (byte)'}': stack.Add(new PyDict()); break; // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'N': stack.Add(null); break; // NONE
                case 0x88: stack.Add(true); break; // NEWTRUE
                case 0x89: stack.Add(false); break; // NEWFALSE
                case (byte)'K': stack.Add((long)U8()); break; // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2, at))); break; // BININT2
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4, at))); break; // BININT
                case 0x8a: // LONG1
                    int n = U8();
                    if (n > 8)
                    {
                        throw Refuse(at, $"an integer of {n} bytes is larger than any size a tensor has");
                    }

                    ReadOnlySpan<byte> le = Take(n, at);
                    long value = 0;
                    for (int i = n - 1; i >= 0; i--)
                    {
                        value = (value << 8) | le[i];
                    }

                    if (n is > 0 and < 8 && (le[n - 1] & 0x80) != 0)
                    {
                        value -= 1L << (8 * n); // two's complement of n bytes
                    }

                    stack.Add(value);
                    break;
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8, at))); break; // BINFLOAT
                case (byte)'X': stack.Add(Utf8(Length(4, at), at)); break; // BINUNICODE
                case 0x8c: stack.Add(Utf8(U8(), at)); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(Utf8(Length(8, at), at)); break; // BINUNICODE8
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(Take(U8(), at))); break; // SHORT_BINSTRING
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(Take(Length(4, at), at))); break; // BINSTRING
                case (byte)'q': memo[U8()] = Peek(at); break; // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4, at))] = Peek(at); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(at); break; // MEMOIZE
                case (byte)'h': stack.Add(Get(U8(), at)); break; // BINGET
                case (byte)'j': stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, at)), at)); break; // LONG_BINGET
                case (byte)'t': stack.Add(PopMark(at).ToArray()); break; // TUPLE
                case 0x85: stack.Add(new[] { Pop(at) }); break; // TUPLE1
                case 0x86: { object? b = Pop(at), a = Pop(at); stack.Add(new[] { a, b }); break; } // TUPLE2
                case 0x87: { object? c = Pop(at), b = Pop(at), a = Pop(at); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'a': { object? v = Pop(at); List(Peek(at), at).Add(v); break; } // APPEND
                case (byte)'e': { List<object?> items = PopMark(at); List(Peek(at), at).AddRange(items); break; } // APPENDS
                case (byte)'s': { object? v = Pop(at), k = Pop(at); Dict(Peek(at), at).Set(k, v); break; } // SETITEM
                case (byte)'u': // SETITEMS
                    {
                        List<object?> items = PopMark(at);
                        if (items.Count % 2 != 0)
                        {
                            throw Refuse(at, "SETITEMS with an odd number of values");
                        }

                        PyDict d = Dict(Peek(at), at);
                        for (int i = 0; i < items.Count; i += 2)
                        {
                            d.Set(items[i], items[i + 1]);
                        }

                        break;
                    }

                case (byte)'c': // GLOBAL module\nname\n
                    {
                        string module = Line(at), name = Line(at);
                        stack.Add(Global(module, name, at));
                        break;
                    }

                case 0x93: // STACK_GLOBAL
                    {
                        object? name = Pop(at), module = Pop(at);
                        if (module is not string m || name is not string nm)
                        {
                            throw Refuse(at, "STACK_GLOBAL without two strings");
                        }

                        stack.Add(Global(m, nm, at));
                        break;
                    }

                case (byte)'Q': stack.Add(Storage(Pop(at), at)); break; // BINPERSID
                case (byte)'R': // REDUCE
                    {
                        object? args = Pop(at), callable = Pop(at);
                        stack.Add(Reduce(callable, args, at));
                        break;
                    }

                case (byte)'b': // BUILD: the state of an OrderedDict (its _metadata): checked for type, then dropped
                    {
                        object? state = Pop(at);
                        if (Peek(at) is not PyDict || state is not (PyDict or object?[] or null))
                        {
                            throw Refuse(at, $"BUILD of a {Describe(Peek(at))} with a {Describe(state)}; a state dict's pickle only sets an OrderedDict's attributes");
                        }

                        break;
                    }

                default:
                    throw Refuse(at, $"opcode 0x{op:x2} ('{(op is >= 0x20 and < 0x7f ? (char)op : '?')}') is not one a torch.save'd state dict uses; it is refused, since it could build objects other than tensors");
            }
        }
    }

    private static object Global(string module, string name, int at)
    {
        string full = module + "." + name;
        if (!AllowedGlobals.Contains(full))
        {
            throw new PickleRefusedException(
                $"the pickle names the global '{full}' (at byte {at}), which is not one that rebuilds tensors; it is refused and nothing from the file was run. A state dict needs only: {string.Join(", ", AllowedGlobals.Order(StringComparer.Ordinal))}");
        }

        return new PyGlobal(full);
    }

    // ('storage', torch.XStorage, key, location, numel): checked against the archive's storage record.
    private ForeignTensor Storage(object? pid, int at)
    {
        if (pid is not object?[] { Length: 5 } p || p[0] is not "storage" || p[1] is not PyGlobal g || p[2] is not string key || p[3] is not string || p[4] is not long numel)
        {
            throw Refuse(at, $"a persistent id that is not ('storage', type, key, location, size): {Describe(pid)}");
        }

        ScalarType dtype = StorageType(g.Name, at);
        long? bytes = storageBytes(key) ?? throw Refuse(at, $"storage '{key}' is named but the archive has no record data/{key}");
        long size = ElementSize(dtype);
        if (numel < 0 || numel > bytes / size || numel * size != bytes)
        {
            throw Refuse(at, $"storage '{key}' claims {numel} elements of {dtype} ({(numel < 0 ? "negative" : $"{(decimal)numel * size} bytes")}) but its record holds {bytes} bytes");
        }

        return new ForeignTensor(string.Empty, dtype, [], [], 0, key, numel);
    }

    private object Reduce(object? callable, object? args, int at)
    {
        if (callable is not PyGlobal g || args is not object?[] a)
        {
            throw Refuse(at, $"REDUCE of a {Describe(callable)} with a {Describe(args)}");
        }

        switch (g.Name)
        {
            case "collections.OrderedDict":
                if (a.Length != 0)
                {
                    throw Refuse(at, "OrderedDict called with arguments");
                }

                return new PyDict();
            case "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor":
                // (storage, storage_offset, size, stride[, requires_grad, backward_hooks])
                if (a.Length < 4 || a[0] is not ForeignTensor storage || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
                {
                    throw Refuse(at, $"{g.Name} called with {Describe(args)}, not (storage, offset, size, stride, …)");
                }

                return Tensor(storage, offset, Longs(size, "size", at), Longs(stride, "stride", at), at);
            case "torch._utils._rebuild_parameter":
                // (data, requires_grad, backward_hooks): the data is the tensor
                if (a.Length < 1 || a[0] is not ForeignTensor { Shape: not null } data || data.StorageKey.Length == 0)
                {
                    throw Refuse(at, $"{g.Name} called with {Describe(args)}, not (tensor, …)");
                }

                return data;
            default:
                throw Refuse(at, $"'{g.Name}' is a type, not something a state dict calls");
        }
    }

    // Bounds: rank, non-negative sizes and strides, and the last element inside the storage.
    private ForeignTensor Tensor(ForeignTensor storage, long offset, long[] size, long[] stride, int at)
    {
        if (size.Length != stride.Length || size.Length > MaxRank)
        {
            throw Refuse(at, $"a tensor of rank {size.Length} with {stride.Length} strides");
        }

        if (size.Any(d => d < 0) || stride.Any(s => s < 0) || offset < 0)
        {
            throw Refuse(at, $"a tensor with a negative size, stride or offset (size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}], offset {offset})");
        }

        long last = offset;
        bool empty = false;
        foreach ((long d, long s) in size.Zip(stride))
        {
            if (d == 0)
            {
                empty = true;
                continue;
            }

            // (d - 1) * s, overflow-checked against the storage it must fit in
            if (s != 0 && d - 1 > (storage.StorageElements - last) / s)
            {
                throw Refuse(at, $"a tensor of size [{string.Join(", ", size)}] and stride [{string.Join(", ", stride)}] at offset {offset} reaches past its storage '{storage.StorageKey}' of {storage.StorageElements} elements");
            }

            last += (d - 1) * s;
        }

        if (!empty && last >= storage.StorageElements)
        {
            throw Refuse(at, $"a tensor at offset {offset} of size [{string.Join(", ", size)}] reaches past its storage '{storage.StorageKey}' of {storage.StorageElements} elements");
        }

        return storage with { Shape = size, Stride = stride, Offset = offset };
    }

    private static ScalarType StorageType(string global, int at) => global switch
    {
        "torch.DoubleStorage" => ScalarType.Float64,
        "torch.FloatStorage" => ScalarType.Float32,
        "torch.HalfStorage" => ScalarType.Float16,
        "torch.BFloat16Storage" => ScalarType.BFloat16,
        "torch.LongStorage" => ScalarType.Int64,
        "torch.IntStorage" => ScalarType.Int32,
        "torch.ShortStorage" => ScalarType.Int16,
        "torch.CharStorage" => ScalarType.Int8,
        "torch.ByteStorage" => ScalarType.Byte,
        "torch.BoolStorage" => ScalarType.Bool,
        _ => throw new PickleRefusedException($"'{global}' (at byte {at}) is not a storage type"),
    };

    /// <summary>Bytes per element of the element types this reader creates.</summary>
    internal static long ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private long[] Longs(object?[] values, string what, int at) =>
        values.Select(v => v is long l ? l : throw Refuse(at, $"a tensor {what} holds a {Describe(v)}, not an integer")).ToArray();

    private byte U8() => pos < data.Length ? data[pos++] : throw Refuse(pos, "the pickle ends early");

    private ReadOnlySpan<byte> Take(long n, int at)
    {
        if (n < 0 || n > data.Length - pos)
        {
            throw Refuse(at, $"a length of {n} bytes, but {data.Length - pos} are left in the pickle");
        }

        var span = new ReadOnlySpan<byte>(data, pos, (int)n);
        pos += (int)n;
        return span;
    }

    private int Length(int width, int at)
    {
        ReadOnlySpan<byte> b = Take(width, at);
        ulong n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
        return n <= (ulong)(data.Length - pos) ? (int)n : throw Refuse(at, $"a length of {n} bytes, but {data.Length - pos} are left in the pickle");
    }

    private string Utf8(int n, int at)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(n, at));
        }
        catch (DecoderFallbackException)
        {
            throw Refuse(at, "a string that is not valid UTF-8");
        }
    }

    private string Line(int at)
    {
        int end = Array.IndexOf(data, (byte)'\n', pos);
        if (end < 0 || end - pos > 256)
        {
            throw Refuse(at, "a GLOBAL name without its end of line (or over 256 bytes)");
        }

        string s = Encoding.ASCII.GetString(data, pos, end - pos);
        pos = end + 1;
        return s;
    }

    private object? Get(long key, int at) => memo.TryGetValue(key, out object? v) ? v : throw Refuse(at, $"memo entry {key} is read before it is written");

    private object? Peek(int at) => stack.Count > (marks.Count > 0 ? marks.Peek() : 0) ? stack[^1] : throw Refuse(at, "an opcode needs a value but the stack is empty");

    private object? Pop(int at)
    {
        object? v = Peek(at);
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    private List<object?> PopMark(int at)
    {
        if (marks.Count == 0)
        {
            throw Refuse(at, "an opcode needs a MARK but there is none");
        }

        int m = marks.Pop();
        List<object?> items = stack.GetRange(m, stack.Count - m);
        stack.RemoveRange(m, stack.Count - m);
        return items;
    }

    private List<object?> List(object? v, int at) => v as List<object?> ?? throw Refuse(at, $"APPEND to a {Describe(v)}");

    private PyDict Dict(object? v, int at) => v as PyDict ?? throw Refuse(at, $"SETITEM on a {Describe(v)}");

    private static PickleRefusedException Refuse(int at, string what) => new($"{what} (at byte {at} of data.pkl)");

    private static string Describe(object? v) => v switch
    {
        null => "None",
        string => "string",
        long => "integer",
        double => "float",
        bool => "boolean",
        object?[] t => $"tuple of {t.Length}",
        List<object?> => "list",
        PyDict => "dict",
        PyGlobal g => $"global '{g.Name}'",
        ForeignTensor => "tensor",
        _ => v.GetType().Name,
    };

    private sealed record PyGlobal(string Name);

    // A dict in insertion order (state dicts are ordered); keys are the pickle's plain values.
    private sealed class PyDict
    {
        private readonly Dictionary<object, int> index = new();

        public List<(object? Key, object? Value)> Items { get; } = new();

        public void Set(object? key, object? value)
        {
            if (key is null or string or long or bool)
            {
                object k = key ?? DBNull.Value;
                if (index.TryGetValue(k, out int i))
                {
                    Items[i] = (key, value);
                    return;
                }

                index[k] = Items.Count;
            }

            Items.Add((key, value));
        }
    }
}
