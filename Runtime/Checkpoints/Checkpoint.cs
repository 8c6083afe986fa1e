using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen.Checkpoints;

/// <summary>
/// Everything a resumed fit needs, taken between two epochs or batches: the epoch to start from and the
/// training-iteration counter, the model's parameters and buffers, the optimiser's state, the random
/// generators' states and each stateful callback's state under its <see cref="Callback.StateKey"/>
/// ([Checkpointed] members and <see cref="ICheckpointable"/> state, see <see cref="CallbackState"/>).
/// Written straight from the learner's state into the file (<see cref="Write"/>), or from one copy
/// of it in the background (<see cref="CheckpointImage"/>); read from an open, checked file whose
/// model and optimiser sections stay on disk until they are copied into the learner.
/// </summary>
/// <remarks>
/// Sections of the <see cref="CheckpointFile"/>: <c>learner</c> (int32 start epoch, int32 epochs of
/// the fit, int64 training iterations), <c>model</c> (the <see cref="TensorCodec"/> list of the
/// model's state dictionary), <c>optimizer</c> (<see cref="Optimizer.SaveState"/>), <c>rng</c>
/// (<see cref="GeneratorStates"/>), <c>loop</c> and <c>onecycle</c> when they apply, and one
/// <c>callback/KEY</c> per stateful callback.
/// </remarks>
internal sealed class Checkpoint : IDisposable
{
    private const string LearnerSection = "learner";
    private const string ModelSection = ModelTensors.Section;
    private const string OptimizerSection = "optimizer";
    private const string RngSection = "rng";
    private const string CallbackPrefix = "callback/";
    private const string LoopSection = "loop";
    private const string OneCycleSection = "onecycle";
    private const int LoopVersion = 1;

    private readonly CheckpointReader file;
    private readonly GeneratorStates rng;
    private readonly Dictionary<string, byte[]> callbackStates = new(StringComparer.Ordinal);

    private Checkpoint(CheckpointReader file)
    {
        this.file = file;
        Source = file.Source;
        (StartEpoch, NEpoch, TrainIter) = file.Read(LearnerSection, r =>
        {
            int start = r.ReadInt32(), epochs = r.ReadInt32();
            long iter = r.ReadInt64();
            if (epochs < 0 || start < 0 || start > epochs || iter < 0)
            {
                throw new InvalidDataException($"its counters are out of range (start epoch {start}, epochs {epochs}, iterations {iter})");
            }

            return (start, epochs, iter);
        });
        Model = file.Read(ModelSection, ModelTensors.ReadHeaders);
        if (file.Has(LoopSection))
        {
            file.Read(LoopSection, ReadLoop);
        }

        if (file.Has(OneCycleSection))
        {
            OneCycle = file.Read(OneCycleSection, OneCycleSpec.Read);
        }

        rng = file.Read(RngSection, GeneratorStates.Read);
        foreach (string name in file.Names.Where(k => k.StartsWith(CallbackPrefix, StringComparison.Ordinal)))
        {
            callbackStates[name[CallbackPrefix.Length..]] = file.ReadAll(name);
        }

        CallbackKeys = callbackStates.Keys.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The training batch a resumed fit starts with in <see cref="StartEpoch"/>: 0 at an epoch boundary.</summary>
    public int NextBatch { get; private set; }

    /// <summary>The fraction of the fit's training done (mid-epoch checkpoints; the bits the loop had).</summary>
    public double PctTrain { get; private set; }

    /// <summary>The training loader's shuffle state at the start of the interrupted epoch (mid-epoch checkpoints of a shuffling loader).</summary>
    public byte[]? ShuffleState { get; private set; }

    /// <summary>The gradients of an open accumulation cycle (mid-epoch checkpoints), by parameter name.</summary>
    public IReadOnlyList<TensorRecord>? Grads { get; private set; }

    /// <summary>The one-cycle schedule of the fit that wrote it (a <c>FitOneCycle</c>), or null.</summary>
    public OneCycleSpec? OneCycle { get; }

    /// <summary>The state keys of the callbacks whose state it holds, in ordinal order.</summary>
    public IReadOnlyList<string> CallbackKeys { get; }

    /// <summary>True for a callback whose state goes into checkpoints (of fits, the runs it takes part in).</summary>
    public static bool IsStateful(Callback cb) => cb.IsStateful && cb.RunsIn.Includes(RunKind.Fit);

    /// <summary>The key a stateful callback's state is stored under.</summary>
    public static string KeyOf(Callback cb) => cb.StateKey;

    /// <summary>Where the checkpoint came from (a path).</summary>
    public string Source { get; }

    /// <summary>The epoch a resumed fit starts with.</summary>
    public int StartEpoch { get; }

    /// <summary>The number of epochs of the fit that wrote it.</summary>
    public int NEpoch { get; }

    /// <summary>Training iterations done when it was written.</summary>
    public long TrainIter { get; }

    /// <summary>The headers of the model's tensors (their elements stay in the file until they are copied).</summary>
    public IReadOnlyList<TensorHeader> Model { get; }

    /// <summary>
    /// Writes the learner's state now to <paramref name="path"/> atomically, each tensor straight from
    /// its memory into the file: no copy of the model or the optimiser is made. A resumed fit starts
    /// with epoch <paramref name="startEpoch"/> at training batch <paramref name="nextBatch"/> (0: the
    /// epoch's start; more: a mid-epoch checkpoint, which also holds the position in the schedule,
    /// the epoch's shuffle state and the gradients of an open accumulation cycle).
    /// </summary>
    public static void Write(Learner learn, int startEpoch, int nextBatch, string path) =>
        CheckpointFile.Write(path, w => WriteSections(learn, startEpoch, nextBatch, w.Section));

    /// <summary>Produces every section of a checkpoint of <paramref name="learn"/> through <paramref name="section"/>, in file order.</summary>
    public static void WriteSections(Learner learn, int startEpoch, int nextBatch, Action<string, Action<BinaryWriter>> section)
    {
        // Keys are checked first, so a clash writes nothing.
        var owners = new Dictionary<string, Callback>(StringComparer.Ordinal);
        foreach (Callback cb in learn.Callbacks.Where(IsStateful))
        {
            if (!owners.TryAdd(cb.StateKey, cb))
            {
                throw new InvalidOperationException(
                    $"Callbacks '{owners[cb.StateKey].Name}' and '{cb.Name}' both store their checkpoint state under the key '{cb.StateKey}'; give each a unique StateKey.");
            }
        }

        section(LearnerSection, w => { w.Write(startEpoch); w.Write(learn.NEpoch); w.Write(learn.TrainIter); });
        section(ModelSection, w => ModelTensors.Write(w, learn.Model));
        section(OptimizerSection, learn.Opt.SaveState);
        section(RngSection, GeneratorStates.Of(learn).Write);
        if (nextBatch > 0)
        {
            section(LoopSection, w => SaveLoop(learn, nextBatch, w));
        }

        if (learn.OneCycleInProgress is OneCycleSpec oneCycle)
        {
            section(OneCycleSection, oneCycle.Write);
        }

        foreach (var (key, cb) in owners)
        {
            section(CallbackPrefix + key, w => CallbackState.Save(cb, w));
        }
    }

    /// <summary>Opens and checks a checkpoint file (digest, index, every small section parsed and checked; model headers read).</summary>
    /// <exception cref="CheckpointException">The file is not a complete checkpoint, or a section is malformed.</exception>
    public static Checkpoint Read(string path)
    {
        CheckpointReader reader = CheckpointReader.Open(path);
        try
        {
            foreach (string required in new[] { LearnerSection, ModelSection, OptimizerSection, RngSection })
            {
                if (!reader.Has(required))
                {
                    throw new CheckpointException($"Cannot load checkpoint '{path}': it has no '{required}' section.", path, required);
                }
            }

            return new Checkpoint(reader);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

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
    /// Puts the checkpoint's state into the learner: callbacks, generators, optimiser, model and,
    /// when <paramref name="counters"/>, the loop counters. All or nothing: everything that can be
    /// checked is checked before anything changes (model and gradients against the model, the
    /// optimiser's state against the optimiser, generator states); what cannot (a callback's own
    /// loading) goes first, with the callbacks' previous state kept to put back.
    /// </summary>
    public void ApplyTo(Learner learn, bool counters)
    {
        CheckFits(learn.Model);
        if (counters && Grads is not null)
        {
            CheckGrads(learn);
        }

        Optimizer opt = learn.Opt;
        // Our own optimisers check their whole state in a first pass (Optimizer.LoadState); TorchSharp's
        // encoding is read by TorchSharp, which may fail half-way: its previous state is kept to put back.
        byte[]? optimizerBackup = opt is ParameterOptimizer ? null : IO.BinaryBytes.Of(opt.SaveState);
        GeneratorStates rngBackup = GeneratorStates.Of(learn);
        var callbackBackup = new List<(Callback Cb, byte[] State)>();
        try
        {
            foreach (Callback cb in learn.Callbacks)
            {
                if (IsStateful(cb) && callbackStates.TryGetValue(cb.StateKey, out byte[]? state))
                {
                    callbackBackup.Add((cb, IO.BinaryBytes.Of(w => CallbackState.Save(cb, w))));
                    string section = CallbackPrefix + cb.StateKey;
                    file.Guard(section, () => Load(state, r => CallbackState.Load(cb, r, learn.Device), "its state"), $"the state of callback '{cb.Name}' (key '{cb.StateKey}')");
                }
            }

            rng.Apply(learn);
            file.Read(OptimizerSection, opt.LoadState, what: "the optimiser's state");
        }
        catch
        {
            // Back to the state before, in reverse. These were written by this process a moment ago; a
            // callback that cannot read its own state back is left as its failed load left it (the
            // error that brought us here says which one).
            if (optimizerBackup is not null)
            {
                Load(optimizerBackup, opt.LoadState, "the optimiser's previous state");
            }

            rngBackup.Apply(learn);
            foreach (var (cb, state) in callbackBackup)
            {
                try
                {
                    Load(state, r => CallbackState.Load(cb, r, learn.Device), "its previous state");
                }
                catch (Exception ex) when (CheckpointFile.IsDataError(ex))
                {
                    learn.Log($"Could not put back the state of callback '{cb.Name}' after a failed load: {ex.Message}");
                }
            }

            throw;
        }

        // Checked above (CheckFits): the copy cannot fail on the data.
        file.Read(ModelSection, r => ModelTensors.Copy(learn.Model, r, Model), toEnd: false);
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

    /// <summary>Closes the file.</summary>
    public void Dispose() => file.Dispose();

    private void ReadLoop(BinaryReader l)
    {
        int version = l.ReadInt32();
        if (version != LoopVersion)
        {
            throw new InvalidDataException($"its loop position has version {version}; this build reads version {LoopVersion}");
        }

        NextBatch = l.ReadInt32();
        PctTrain = l.ReadDouble();
        if (NextBatch < 1 || !(PctTrain >= 0 && PctTrain <= 1))
        {
            throw new InvalidDataException($"its loop position is out of range (next batch {NextBatch}, position in the fit {PctTrain})");
        }

        ShuffleState = GeneratorStates.Flag(l, "the shuffle state flag") ? GeneratorState.Read(l, "the shuffle state") : null;
        Grads = GeneratorStates.Flag(l, "the gradients flag") ? TensorCodec.Read(l) : null;
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

    /// <summary>Runs <paramref name="load"/> over <paramref name="bytes"/>, which it must consume exactly.</summary>
    private static void Load(byte[] bytes, Action<BinaryReader> load, string what)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), System.Text.Encoding.UTF8);
        load(r);
        long left = r.BaseStream.Length - r.BaseStream.Position;
        if (left != 0)
        {
            throw new InvalidDataException($"{what} left {left} bytes unread; it was written by a different version or configuration");
        }
    }

    private CheckpointException Mismatch(string what) =>
        new($"Cannot load checkpoint '{Source}' into this model: {what}. The model was left unchanged.", Source, ModelSection);
}
