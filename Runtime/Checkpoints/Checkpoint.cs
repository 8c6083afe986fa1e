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
    private const string ModelSection = ModelTensors.Section;
    private const string OptimizerSection = "optimizer";
    private const string RngSection = "rng";
    private const string CallbackPrefix = "callback/";
    private const string LoopSection = "loop";
    private const string OneCycleSection = "onecycle";
    private const int LoopVersion = 1;

    private readonly IReadOnlyDictionary<string, byte[]> sections;

    private Checkpoint(IReadOnlyDictionary<string, byte[]> sections, string source)
    {
        this.sections = sections;
        Source = source;
        using var r = Reader(LearnerSection);
        StartEpoch = r.ReadInt32();
        NEpoch = r.ReadInt32();
        TrainIter = r.ReadInt64();
        Model = ModelTensors.Decode(sections[ModelSection]);
        if (sections.ContainsKey(LoopSection))
        {
            using var l = Reader(LoopSection);
            int version = l.ReadInt32();
            if (version != LoopVersion)
            {
                throw new InvalidDataException($"its loop position has version {version}; this build reads version {LoopVersion}");
            }

            NextBatch = l.ReadInt32();
            PctTrain = l.ReadDouble();
            ShuffleState = l.ReadBoolean() ? l.ReadBytes(l.ReadInt32()) : null;
            Grads = l.ReadBoolean() ? TensorCodec.Read(l) : null;
        }

        if (sections.ContainsKey(OneCycleSection))
        {
            using var o = Reader(OneCycleSection);
            OneCycle = OneCycleSpec.Read(o);
        }

        CallbackKeys = sections.Keys.Where(k => k.StartsWith(CallbackPrefix, StringComparison.Ordinal))
            .Select(k => k[CallbackPrefix.Length..]).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The training batch a resumed fit starts with in <see cref="StartEpoch"/>: 0 at an epoch boundary.</summary>
    public int NextBatch { get; }

    /// <summary>The fraction of the fit's training done (mid-epoch checkpoints; the bits the loop had).</summary>
    public double PctTrain { get; }

    /// <summary>The training loader's shuffle state at the start of the interrupted epoch (mid-epoch checkpoints of a shuffling loader).</summary>
    public byte[]? ShuffleState { get; }

    /// <summary>The gradients of an open accumulation cycle (mid-epoch checkpoints), by parameter name.</summary>
    public IReadOnlyList<TensorRecord>? Grads { get; }

    /// <summary>The one-cycle schedule of the fit that wrote it (a <c>FitOneCycle</c>), or null.</summary>
    public OneCycleSpec? OneCycle { get; }

    /// <summary>The state keys of the callbacks whose state it holds, in ordinal order.</summary>
    public IReadOnlyList<string> CallbackKeys { get; }

    /// <summary>True for a callback whose state goes into checkpoints (of fits, the runs it takes part in).</summary>
    public static bool IsStateful(Callback cb) => cb.IsStateful && cb.RunsIn.Includes(RunKind.Fit);

    /// <summary>The key a stateful callback's state is stored under.</summary>
    public static string KeyOf(Callback cb) => cb.StateKey;

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

    /// <summary>
    /// Takes the learner's state now; a resumed fit starts with epoch <paramref name="startEpoch"/> at
    /// training batch <paramref name="nextBatch"/> (0: the epoch's start; more: a mid-epoch
    /// checkpoint, which also holds the position in the schedule, the epoch's shuffle state and the
    /// gradients of an open accumulation cycle).
    /// </summary>
    public static Checkpoint Capture(Learner learn, int startEpoch, int nextBatch = 0, string source = "memory")
    {
        // Model and optimiser through the one snapshot, taken onto the CPU where the bytes are going.
        byte[] model, optimizer;
        using (TrainingSnapshot snapshot = TrainingSnapshot.Take(learn.Model, learn.Opt, onto: CPU))
        {
            (model, optimizer) = (IO.BinaryBytes.Of(snapshot.WriteWeights), snapshot.OptimizerState!);
        }

        var s = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [LearnerSection] = IO.BinaryBytes.Of(w => { w.Write(startEpoch); w.Write(learn.NEpoch); w.Write(learn.TrainIter); }),
            [ModelSection] = model,
            [OptimizerSection] = optimizer,
            [RngSection] = IO.BinaryBytes.Of(w => SaveRng(learn, w)),
        };
        if (nextBatch > 0)
        {
            s[LoopSection] = IO.BinaryBytes.Of(w => SaveLoop(learn, nextBatch, w));
        }

        if (learn.OneCycleInProgress is OneCycleSpec oneCycle)
        {
            s[OneCycleSection] = IO.BinaryBytes.Of(oneCycle.Write);
        }

        var owners = new Dictionary<string, Callback>(StringComparer.Ordinal);
        foreach (Callback cb in learn.Callbacks)
        {
            if (!IsStateful(cb))
            {
                continue;
            }

            string key = cb.StateKey;
            if (!owners.TryAdd(key, cb))
            {
                throw new InvalidOperationException(
                    $"Callbacks '{owners[key].Name}' and '{cb.Name}' both store their checkpoint state under the key '{key}'; give each a unique StateKey.");
            }

            s[CallbackPrefix + key] = IO.BinaryBytes.Of(w => CallbackState.Save(cb, w));
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
                throw new CheckpointException($"Cannot load checkpoint '{path}': it has no '{required}' section.", path);
            }
        }

        try
        {
            return new Checkpoint(s, path);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or InvalidDataException or DecoderFallbackException)
        {
            throw new CheckpointException($"Cannot load checkpoint '{path}': {ex.Message}.", path, ex);
        }
    }

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    public void Write(string path) => CheckpointFile.Write(path, sections.ToList());

    /// <summary>
    /// Throws <see cref="CheckpointException"/> naming the first tensor of <paramref name="model"/>
    /// whose name, shape or type differs from the checkpoint's (<see cref="ModelTensors.Misfit"/>, the
    /// check weights files get too). Touches nothing.
    /// </summary>
    public void CheckFits(nn.Module model)
    {
        if (ModelTensors.Misfit(model, Model, "the checkpoint") is string problem)
        {
            throw Mismatch(problem);
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
        if (counters && Grads is not null)
        {
            CheckGrads(learn);
        }

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
        // ApplyTo checked the fit first (CheckFits): the copy cannot fail on the data.
        ModelTensors.Copy(learn.Model, Model);
        Guard("the optimiser's state", () => TrainingSnapshot.LoadOptimizer(learn.Opt, sections[OptimizerSection]));

        foreach (Callback cb in learn.Callbacks)
        {
            if (IsStateful(cb) && sections.ContainsKey(CallbackPrefix + cb.StateKey))
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
            if (NextBatch > 0)
            {
                learn.PctTrain = PctTrain;
                LoadGrads(learn);
            }
        }
    }

    /// <summary>
    /// The first half of a mid-epoch resume, before the interrupted epoch starts again: the training
    /// loader will draw that epoch's order again.
    /// </summary>
    public void PrepareEpoch(Learner learn)
    {
        if (ShuffleState is byte[] shuffle && learn.Data.Train.Shuffle)
        {
            learn.Data.Train.SetShuffleState(shuffle);
        }
    }

    private static void SaveLoop(Learner learn, int nextBatch, BinaryWriter w)
    {
        w.Write(LoopVersion);
        w.Write(nextBatch);
        w.Write(learn.PctTrain);
        byte[]? shuffle = learn.EpochShuffleState ?? learn.Data.Train.GetShuffleState();
        w.Write(shuffle is not null);
        if (shuffle is not null)
        {
            w.Write(shuffle.Length);
            w.Write(shuffle);
        }

        // Gradients are kept only while an accumulation cycle is open (some are non-zero): at any
        // other batch boundary they are zero and would double the file for nothing.
        var grads = new List<KeyValuePair<string, Tensor>>();
        using (NewDisposeScope())
        {
            foreach (var (name, p) in learn.Model.named_parameters())
            {
                if (p.grad is Tensor g && g.count_nonzero().item<long>() > 0)
                {
                    grads.Add(KeyValuePair.Create(name, g));
                }
            }

            w.Write(grads.Count > 0);
            if (grads.Count > 0)
            {
                TensorCodec.Write(w, grads);
            }
        }
    }

    private void CheckGrads(Learner learn)
    {
        var parameters = learn.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        foreach (TensorRecord rec in Grads!)
        {
            if (!parameters.TryGetValue(rec.Name, out var p) || !rec.Shape.SequenceEqual(p.shape) || rec.DType != p.dtype)
            {
                throw Mismatch($"the gradient stored for '{rec.Name}' does not fit the model's parameter");
            }
        }
    }

    private void LoadGrads(Learner learn)
    {
        using var _ = no_grad();
        Dictionary<string, Tensor> stored = new(StringComparer.Ordinal);
        try
        {
            foreach (TensorRecord rec in Grads ?? Array.Empty<TensorRecord>())
            {
                stored[rec.Name] = rec.ToTensor();
            }

            foreach (var (name, p) in learn.Model.named_parameters())
            {
                if (stored.TryGetValue(name, out Tensor? g))
                {
                    if (p.grad is Tensor existing)
                    {
                        existing.copy_(g);
                    }
                    else
                    {
                        // libtorch keeps its own reference to the gradient; the managed handles are ours to release.
                        Tensor onDevice = g.device_type == p.device_type && g.device_index == p.device_index ? g : g.to(p.device);
                        p.grad = onDevice;
                        if (!ReferenceEquals(onDevice, g))
                        {
                            onDevice.Dispose();
                        }
                    }
                }
                else
                {
                    p.grad?.zero_();
                }
            }
        }
        finally
        {
            foreach (Tensor t in stored.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>The random generators' states (torch's default, the loaders'), as the <c>rng</c> section holds them.</summary>
    internal static byte[] SaveRng(Learner learn) => IO.BinaryBytes.Of(w => SaveRng(learn, w));

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
        Guard(what, load);
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (left != 0)
        {
            throw new CheckpointException($"Cannot load checkpoint '{Source}': {what} left {left} bytes unread; it was written by a different version or configuration.", Source);
        }
    }

    private void Guard(string what, Action load)
    {
        try
        {
            load();
        }
        catch (Exception ex) when (ex is not CheckpointException
            && ex is EndOfStreamException or IOException or ArgumentException or InvalidCastException or InvalidDataException)
        {
            // Classified by type: a CheckpointException already names the file and what did not fit.
            throw new CheckpointException($"Cannot load checkpoint '{Source}': {what} does not fit: {ex.Message}", Source, ex);
        }
    }

    private CheckpointException Mismatch(string what) =>
        new($"Cannot load checkpoint '{Source}' into this model: {what}. The model was left unchanged.", Source);

    private BinaryReader Reader(string section) => new(new MemoryStream(sections[section], writable: false), Encoding.UTF8);
}
