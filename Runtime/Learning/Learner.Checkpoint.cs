using CallbackGen.Checkpoints;

namespace CallbackGen;

/// <content>Checkpoints: resuming a fit exactly where a checkpoint left it, and writing them with no window.</content>
public sealed partial class Learner
{
    private readonly List<(string Path, Action<string>? Written, bool Background)> requestedCheckpoints = new();
    private Task? backgroundSave;
    private (string Path, Action<string>? Written)? backgroundWritten;
    private Checkpoint? pendingResume;
    private Checkpoint? midEpochResume;
    private List<string>? ignoredOnResume;

    /// <summary>
    /// Continues the fit that wrote <paramref name="resumeFrom"/> (a <see cref="SaveModel"/>
    /// checkpoint) and trains until epoch <paramref name="epochs"/>. The model's weights, the
    /// optimiser's state, every stateful callback's state ([Checkpointed] members, <see cref="ICheckpointable"/>), the random generators and the loop's
    /// position are restored right after the <c>BeforeFit</c> handlers ran (so their resets are
    /// overwritten); a mid-epoch checkpoint continues at the next training batch with the same
    /// shuffle order, accumulation phase and schedule position. The result is the same as a fit
    /// that was never interrupted, given the same callbacks and data. A checkpoint of a
    /// <c>FitOneCycle</c> rebuilds its schedule from the parameters it records when no attached
    /// callback claims the schedule's state.
    /// </summary>
    /// <param name="epochs">The total number of epochs of the fit, as in the interrupted run.</param>
    /// <param name="resumeFrom">The checkpoint file.</param>
    /// <param name="lr">As in <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>.</param>
    /// <param name="cbs">As in <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>.</param>
    /// <param name="strict">
    /// True (the default): before anything is touched, every state section of the checkpoint must be
    /// claimed by an attached stateful callback, every attached stateful callback must find its
    /// section, and <paramref name="epochs"/> must equal the checkpoint's; otherwise
    /// <see cref="ResumeMismatchException"/> lists what is missing or unclaimed and what to attach.
    /// False resumes anyway, for deliberate changes, and reports what it ignored through <see cref="Log"/>.
    /// </param>
    /// <exception cref="CheckpointException">The file is not a complete checkpoint, or does not fit
    /// the model (the message names the first mismatching tensor); nothing was changed.</exception>
    /// <exception cref="ResumeMismatchException">The checkpoint does not match this fit (see <paramref name="strict"/>); nothing was changed.</exception>
    /// <example><code>learn.Fit(10, resumeFrom: "runs/last.ckpt", cbs: new[] { new SaveModel("runs/last.ckpt") });</code></example>
    public void Fit(int epochs, string resumeFrom, double? lr = null, IEnumerable<Callback>? cbs = null, bool strict = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        if (lr is double l)
        {
            CheckLr(l, nameof(lr));
        }

        using Checkpoint checkpoint = ReadForResume(resumeFrom);
        Callback[] perFit = cbs?.ToArray() ?? Array.Empty<Callback>();
        if (checkpoint.OneCycle is OneCycleSpec spec)
        {
            bool hadOptimizer = opt is not null;
            ParamScheduler scheduler = spec.CreateScheduler(opt ?? CreateOptimizer());
            if (!callbacks.Concat(perFit).Any(cb => Checkpoint.IsStateful(cb) && Checkpoint.KeyOf(cb) == scheduler.StateKey))
            {
                // The one-cycle schedule the checkpoint records, rebuilt: no hand-made ParamScheduler needed.
                Resume(checkpoint, epochs, lr, perFit.Prepend(scheduler).ToArray(), strict, spec, hadOptimizer);
                return;
            }

            if (!hadOptimizer)
            {
                DropOptimizer();
            }
        }

        Resume(checkpoint, epochs, lr, perFit, strict, oneCycle: null, hadOptimizer: opt is not null);
    }

    /// <summary>
    /// Loads a checkpoint's weights, optimiser state, callback states and generator states into this
    /// learner without training (for inference or a new fit). All or nothing: when the file is
    /// truncated, foreign or does not fit the model, it throws <see cref="CheckpointException"/>
    /// and the learner is unchanged.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using Checkpoint checkpoint = Checkpoint.Read(path);
        checkpoint.CheckFits(Model);
        if (opt is null)
        {
            CreateOptimizer();
        }

        checkpoint.ApplyTo(this, counters: false);
    }

    /// <summary>
    /// Asks for a checkpoint of the fit at <paramref name="path"/>. The learner writes it (atomically)
    /// once every handler of the event in progress has run: after the training batch for a request
    /// from a batch event, after <c>AfterEpoch</c> for one from an epoch event, at the end of the fit
    /// otherwise. So epoch N's checkpoint is on disk when <c>AfterEpoch</c> of epoch N returns, and
    /// holds the state every <c>AfterEpoch</c> handler left.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="written">Called with the path once the file is written (on the training thread).</param>
    /// <param name="background">
    /// Copy the state once and write the file on another thread while training goes on (the next
    /// checkpoint, the end of the fit and an interrupted fit wait for it); false writes it now.
    /// </param>
    internal void RequestCheckpoint(string path, Action<string>? written = null, bool background = false) =>
        requestedCheckpoints.Add((path, written, background));

    /// <summary>
    /// Where a fit that stopped now would resume: the epoch, and the training batch within it
    /// (0: the epoch's start). The loop moves it after every training batch and at every <c>AfterEpoch</c>.
    /// </summary>
    internal (int Epoch, int NextBatch) ResumePoint { get; set; }

    /// <summary>The training loader's shuffle state at the start of the current (or last) epoch's training phase.</summary>
    internal byte[]? EpochShuffleState { get; private set; }

    private Checkpoint ReadForResume(string resumeFrom)
    {
        ArgumentException.ThrowIfNullOrEmpty(resumeFrom);
        Checkpoint checkpoint = Checkpoint.Read(resumeFrom);
        checkpoint.CheckFits(Model);
        return checkpoint;
    }

    private void Resume(Checkpoint checkpoint, int epochs, double? lr, Callback[] perFit, bool strict, OneCycleSpec? oneCycle, bool hadOptimizer)
    {
        List<string> problems = ResumeProblems(checkpoint, epochs, perFit, oneCycle);
        if (problems.Count > 0 && strict)
        {
            if (!hadOptimizer)
            {
                DropOptimizer();
            }

            throw new ResumeMismatchException(checkpoint.Source, problems);
        }

        if (oneCycle is not null)
        {
            Lr = oneCycle.LrMax.Max();
        }

        ignoredOnResume = problems;
        pendingResume = checkpoint;
        OneCycleInProgress = oneCycle;
        try
        {
            Fit(epochs, lr, perFit);
        }
        finally
        {
            (pendingResume, midEpochResume, ignoredOnResume, OneCycleInProgress) = (null, null, null, null);
        }
    }

    private List<string> ResumeProblems(Checkpoint checkpoint, int epochs, Callback[] perFit, OneCycleSpec? oneCycle)
    {
        var problems = new List<string>();
        var attached = new Dictionary<string, Callback>(StringComparer.Ordinal);
        foreach (Callback cb in callbacks.Concat(perFit).Where(Checkpoint.IsStateful))
        {
            attached.TryAdd(Checkpoint.KeyOf(cb), cb);
        }

        var stored = new HashSet<string>(checkpoint.CallbackKeys, StringComparer.Ordinal);
        foreach (string key in checkpoint.CallbackKeys.Where(k => !attached.ContainsKey(k)))
        {
            problems.Add($"unclaimed: the checkpoint holds the state of '{key}', which no attached callback claims. Attach {WhatWrote(key)}.");
        }

        foreach (var (key, cb) in attached.Where(a => !stored.Contains(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            problems.Add($"missing: the attached callback '{cb.Name}' (state key '{key}') finds no state in the checkpoint: it was not attached to the fit that wrote it. Detach it, or resume without it.");
        }

        if (checkpoint.NEpoch != epochs)
        {
            problems.Add($"epochs: the checkpoint was written by a fit of {checkpoint.NEpoch} epochs; this fit asks for {epochs}, which changes every schedule. Pass epochs: {checkpoint.NEpoch}.");
        }

        if (oneCycle is not null && checkpoint.OneCycle is OneCycleSpec recorded && !recorded.SameAs(oneCycle))
        {
            problems.Add($"schedule: the checkpoint's one-cycle schedule is {recorded.Describe()}; this call asks for {oneCycle.Describe()}. Pass the checkpoint's values (or call Fit(epochs, resumeFrom), which rebuilds it).");
        }

        return problems;
    }

    /// <summary>A hint naming the callback that writes state under <paramref name="key"/>.</summary>
    private static string WhatWrote(string key) => key switch
    {
        _ when key.StartsWith("ParamScheduler", StringComparison.Ordinal) =>
            $"a ParamScheduler scheduling the same hyper-parameters ({key}); for a one-cycle fit, resume with FitOneCycle(…, resumeFrom:), which rebuilds its own",
        _ when key.StartsWith("SaveModel", StringComparison.Ordinal) => $"the SaveModel whose state key is '{key}' (same path and monitor)",
        _ when key.StartsWith("CsvLogger", StringComparison.Ordinal) => $"the CsvLogger whose state key is '{key}'",
        _ when key.StartsWith("EarlyStopping", StringComparison.Ordinal) => $"an EarlyStopping monitoring the same metric ('{key}')",
        nameof(Distributed.DataParallel) => "a DataParallel: the checkpoint was written by a distributed fit; resume it under mpirun on the same number of ranks (docs/distributed.md)",
        nameof(AvgStatsCallback) => "the learner's AvgStatsCallback (every learner starts with one; it was removed from this learner)",
        _ => $"the callback whose state key is '{key}'",
    };

    private void DropOptimizer()
    {
        opt?.Dispose();
        opt = null;
    }

    /// <summary>Called by the loop after <c>BeforeFit</c>: applies a pending resume; returns the first epoch to run.</summary>
    private int StartEpoch()
    {
        ResumePoint = (0, 0);
        if (pendingResume is not Checkpoint checkpoint)
        {
            return 0;
        }

        pendingResume = null;
        foreach (string ignored in ignoredOnResume ?? new List<string>())
        {
            Log($"Resuming with strict: false, ignored {ignored}");
        }

        checkpoint.ApplyTo(this, counters: true);
        ResumePoint = (checkpoint.StartEpoch, checkpoint.NextBatch);
        if (checkpoint.NextBatch > 0)
        {
            // The interrupted epoch runs again from its start events; its training phase draws the same
            // order, skips the batches done, and takes the checkpoint's state once more (callbacks' resets
            // in BeforeEpoch/BeforeTrain are overwritten, the generators continue mid-epoch).
            checkpoint.PrepareEpoch(this);
            midEpochResume = checkpoint;
        }

        return checkpoint.StartEpoch;
    }

    /// <summary>Writes the checkpoints requested during the event that just ended.</summary>
    private void WriteRequestedCheckpoints()
    {
        if (requestedCheckpoints.Count == 0)
        {
            return;
        }

        var (epoch, next) = ResumePoint;
        (string Path, Action<string>? Written, bool Background)[] requests = requestedCheckpoints.ToArray();
        requestedCheckpoints.Clear();
        foreach (var (path, written, background) in requests)
        {
            if (background)
            {
                // One write in flight at a time: the previous one finishes (or reports its failure) first.
                WaitForBackgroundSave();
                CheckpointImage image = CheckpointImage.Capture(this, epoch, next);
                backgroundWritten = (path, written);
                backgroundSave = Task.Run(() => image.Write(path));
            }
            else
            {
                // Straight from the model's and the optimiser's memory into the file: no copy.
                Checkpoint.Write(this, epoch, next, path);
                written?.Invoke(path);
            }
        }
    }

    /// <summary>
    /// Waits for the background checkpoint write in flight, if any, and reports it written; its
    /// failure is thrown here, on the training thread. The previous file stays intact when it fails.
    /// </summary>
    /// <param name="rethrow">False when the fit is already ending with another error, which must not be masked.</param>
    internal void WaitForBackgroundSave(bool rethrow = true)
    {
        if (backgroundSave is not Task save)
        {
            return;
        }

        var pending = backgroundWritten;
        (backgroundSave, backgroundWritten) = (null, null);
        try
        {
            save.GetAwaiter().GetResult();
        }
        catch when (!rethrow)
        {
            return;
        }

        if (pending is var (path, written))
        {
            written?.Invoke(path);
        }
    }
}
