using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Everything a resumed fit needs, taken between two epochs: the epoch to start from and the
/// training-iteration counter, the model's parameters and buffers, the optimiser's state, the random
/// generators' states and each stateful callback's state under its <see cref="Callback.StateKey"/>
/// ([Checkpointed] members and <see cref="ICheckpointable"/> state, see <see cref="CallbackState"/>).
/// </summary>
/// <remarks>
/// Sections of the <see cref="CheckpointFile"/>: <c>learner</c> (int32 start epoch, int32 epochs of
/// the fit, int64 training iterations), <c>model</c> (the <see cref="TensorCodec"/> list of the
/// model's state dictionary), <c>optimizer</c> (<see cref="Optimizer.SaveState"/>: TorchSharp's own encoding plus the wrapper's counters),
/// <c>rng</c> (torch's default generator, then the training and validation loaders' generators, each
/// as a presence flag and the state bytes) and one <c>callback/KEY</c> per stateful callback.
/// </remarks>
internal sealed class Checkpoint
{
    private const string LearnerSection = "learner";
    private const string ModelSection = "model";
    private const string OptimizerSection = "optimizer";
    private const string RngSection = "rng";
    private const string CallbackPrefix = "callback/";

    private readonly IReadOnlyDictionary<string, byte[]> sections;

    private Checkpoint(IReadOnlyDictionary<string, byte[]> sections, string source)
    {
        this.sections = sections;
        Source = source;
        using var r = Reader(LearnerSection);
        StartEpoch = r.ReadInt32();
        NEpoch = r.ReadInt32();
        TrainIter = r.ReadInt64();
        using var m = Reader(ModelSection);
        Model = TensorCodec.Read(m);
    }

    /// <summary>Where the checkpoint came from (a path, or "memory").</summary>
    public string Source { get; }

    /// <summary>The epoch a resumed fit starts with.</summary>
    public int StartEpoch { get; }

    /// <summary>The number of epochs of the fit that wrote it.</summary>
    public int NEpoch { get; }

    /// <summary>Training iterations done when it was written.</summary>
    public long TrainIter { get; }

    /// <summary>The model's tensors, as bytes.</summary>
    public IReadOnlyList<TensorRecord> Model { get; }

    /// <summary>Takes the learner's state now; <paramref name="startEpoch"/> is the epoch to resume with.</summary>
    public static Checkpoint Capture(Learner learn, int startEpoch, string source = "memory")
    {
        var s = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [LearnerSection] = Bytes(w => { w.Write(startEpoch); w.Write(learn.NEpoch); w.Write(learn.TrainIter); }),
            [ModelSection] = Bytes(w => TensorCodec.Write(w, learn.Model.state_dict().ToList())),
            [OptimizerSection] = Bytes(w => SaveOptimizer(learn, w)),
            [RngSection] = Bytes(w => SaveRng(learn, w)),
        };
        var owners = new Dictionary<string, Callback>(StringComparer.Ordinal);
        foreach (Callback cb in learn.Callbacks)
        {
            if (!cb.IsStateful)
            {
                continue;
            }

            string key = cb.StateKey;
            if (!owners.TryAdd(key, cb))
            {
                throw new InvalidOperationException(
                    $"Callbacks '{owners[key].Name}' and '{cb.Name}' both store their checkpoint state under the key '{key}'; give each a unique StateKey.");
            }

            s[CallbackPrefix + key] = Bytes(w => CallbackState.Save(cb, w));
        }

        return new Checkpoint(s, source);
    }

    /// <summary>Reads and checks a checkpoint file (see <see cref="CheckpointFile.Read"/>).</summary>
    public static Checkpoint Read(string path)
    {
        IReadOnlyDictionary<string, byte[]> s = CheckpointFile.Read(path);
        foreach (string required in new[] { LearnerSection, ModelSection, OptimizerSection, RngSection })
        {
            if (!s.ContainsKey(required))
            {
                throw new InvalidDataException($"Cannot load checkpoint '{path}': it has no '{required}' section.");
            }
        }

        try
        {
            return new Checkpoint(s, path);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or DecoderFallbackException)
        {
            throw new InvalidDataException($"Cannot load checkpoint '{path}': {ex.Message}.", ex);
        }
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    public void Write(string path) => CheckpointFile.Write(path, sections.ToList());

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming the first tensor of <paramref name="model"/>
    /// whose name, shape or type differs from the checkpoint's. Touches nothing.
    /// </summary>
    public void CheckFits(nn.Module model)
    {
        Dictionary<string, TensorRecord> stored = Model.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            if (!stored.Remove(name, out TensorRecord? rec))
            {
                throw Mismatch($"the model's '{name}' is not in the checkpoint");
            }

            if (!rec.Shape.SequenceEqual(tensor.shape) || rec.DType != tensor.dtype)
            {
                throw Mismatch($"'{name}' has shape {rec.ShapeText} ({rec.DType}) in the checkpoint but [{string.Join(", ", tensor.shape)}] ({tensor.dtype}) in the model");
            }

            long needed = tensor.numel() * tensor.ElementSize;
            if (rec.Data.Length != needed)
            {
                throw Mismatch($"'{name}' holds {rec.Data.Length} bytes in the checkpoint but its shape needs {needed}");
            }
        }

        if (stored.Count > 0)
        {
            throw Mismatch($"the checkpoint's '{stored.Keys.First()}' is not in the model");
        }
    }

    /// <summary>
    /// Puts the checkpoint's state into the learner: model, optimiser, callbacks, generators and,
    /// when <paramref name="counters"/>, the loop counters. All or nothing: on any failure the state
    /// the learner had before is put back and the exception propagates.
    /// </summary>
    public void ApplyTo(Learner learn, bool counters)
    {
        CheckFits(learn.Model);
        Checkpoint backup = Capture(learn, learn.Epoch);
        try
        {
            Apply(learn, counters);
        }
        catch
        {
            backup.Apply(learn, counters);
            throw;
        }
    }

    private void Apply(Learner learn, bool counters)
    {
        using (no_grad())
        {
            Dictionary<string, Tensor> target = learn.Model.state_dict();
            foreach (TensorRecord rec in Model)
            {
                using Tensor src = rec.ToTensor();
                target[rec.Name].copy_(src);
            }
        }

        using (var r = Reader(OptimizerSection))
        {
            LoadOptimizer(learn, r);
        }

        foreach (Callback cb in learn.Callbacks)
        {
            if (cb.IsStateful && sections.ContainsKey(CallbackPrefix + cb.StateKey))
            {
                using var r = Reader(CallbackPrefix + cb.StateKey);
                Guard($"the state of callback '{cb.Name}' (key '{cb.StateKey}')", r, () => CallbackState.Load(cb, r, learn.Device));
            }
        }

        using (var r = Reader(RngSection))
        {
            Guard("the random generators' state", r, () => LoadRng(learn, r));
        }

        if (counters)
        {
            learn.Epoch = StartEpoch;
            learn.TrainIter = TrainIter;
        }
    }

    private static void SaveOptimizer(Learner learn, BinaryWriter w) => learn.Opt.SaveState(w);

    private void LoadOptimizer(Learner learn, BinaryReader r) =>
        Guard("the optimiser's state", r, () => learn.Opt.LoadState(r));

    /// <summary>The random generators' states (torch's default, the loaders'), as the <c>rng</c> section holds them.</summary>
    internal static byte[] SaveRng(Learner learn) => Bytes(w => SaveRng(learn, w));

    /// <summary>Restores states from <see cref="SaveRng(Learner)"/>.</summary>
    internal static void LoadRng(Learner learn, byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
        LoadRng(learn, r);
    }

    private static void SaveRng(Learner learn, BinaryWriter w)
    {
        using (Tensor s = random.get_rng_state())
        {
            WriteState(w, s);
        }

        foreach (Generator? g in new[] { learn.Data.Train.Generator, learn.Data.Valid.Generator })
        {
            w.Write(g is not null);
            if (g is not null)
            {
                using Tensor s = g.get_state();
                WriteState(w, s);
            }
        }
    }

    private static void LoadRng(Learner learn, BinaryReader r)
    {
        using (Tensor s = ReadState(r))
        {
            random.set_rng_state(s);
        }

        foreach (Generator? g in new[] { learn.Data.Train.Generator, learn.Data.Valid.Generator })
        {
            if (r.ReadBoolean())
            {
                using Tensor s = ReadState(r);
                g?.set_state(s);
            }
        }
    }

    private static void WriteState(BinaryWriter w, Tensor state)
    {
        ReadOnlySpan<byte> b = state.bytes;
        w.Write(b.Length);
        w.Write(b);
    }

    private static Tensor ReadState(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new InvalidDataException($"a generator state claims {n} bytes");
        }

        return new TensorRecord("rng", ScalarType.Byte, new long[] { n }, r.ReadBytes(n)).ToTensor();
    }

    private void Guard(string what, BinaryReader r, Action load)
    {
        try
        {
            load();
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentException or InvalidCastException
            || (ex is InvalidDataException && !ex.Message.StartsWith("Cannot load checkpoint", StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"Cannot load checkpoint '{Source}': {what} does not fit: {ex.Message}", ex);
        }

        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (left != 0)
        {
            throw new InvalidDataException($"Cannot load checkpoint '{Source}': {what} left {left} bytes unread; it was written by a different version or configuration.");
        }
    }

    private InvalidDataException Mismatch(string what) =>
        new($"Cannot load checkpoint '{Source}' into this model: {what}. The model was left unchanged.");

    private BinaryReader Reader(string section) => new(new MemoryStream(sections[section], writable: false), Encoding.UTF8);

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }
}
