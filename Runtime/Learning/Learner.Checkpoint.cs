using CallbackGen.Checkpoints;

namespace CallbackGen;

/// <content>Checkpoints: resuming a fit exactly where a checkpoint left it.</content>
public sealed partial class Learner
{
    private Checkpoint? pendingResume;

    /// <summary>
    /// Continues the fit that wrote <paramref name="resumeFrom"/> (a <see cref="SaveModel"/>
    /// checkpoint) and trains until epoch <paramref name="epochs"/>. The model's weights, the
    /// optimiser's state, every <see cref="ICheckpointable"/> callback's state, the random generators
    /// and the loop counters are restored right after the <c>BeforeFit</c> handlers ran (so their
    /// resets are overwritten), and the loop starts at the checkpoint's epoch: the result is the same
    /// as a fit that was never interrupted, given the same callbacks and data.
    /// </summary>
    /// <param name="epochs">The total number of epochs of the fit, as in the interrupted run.</param>
    /// <param name="resumeFrom">The checkpoint file.</param>
    /// <param name="lr">As in <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>.</param>
    /// <param name="cbs">As in <see cref="Fit(int, double?, IEnumerable{Callback}?)"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a complete checkpoint, or does not fit
    /// the model (the message names the first mismatching tensor); nothing was changed.</exception>
    /// <example><code>learn.Fit(10, resumeFrom: "runs/last.ckpt", cbs: new[] { new SaveModel("runs/last.ckpt") });</code></example>
    public void Fit(int epochs, string resumeFrom, double? lr = null, IEnumerable<Callback>? cbs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(resumeFrom);
        Checkpoint checkpoint = Checkpoint.Read(resumeFrom);
        checkpoint.CheckFits(Model);
        pendingResume = checkpoint;
        try
        {
            Fit(epochs, lr, cbs);
        }
        finally
        {
            pendingResume = null;
        }
    }

    /// <summary>
    /// Loads a checkpoint's weights, optimiser state, callback states and generator states into this
    /// learner without training (for inference or a new fit). All or nothing: when the file is
    /// truncated, foreign or does not fit the model, it throws <see cref="InvalidDataException"/>
    /// and the learner is unchanged.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    public void LoadCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Checkpoint checkpoint = Checkpoint.Read(path);
        checkpoint.CheckFits(Model);
        if (opt is null)
        {
            CreateOptimizer();
        }

        checkpoint.ApplyTo(this, counters: false);
    }

    /// <summary>Writes a checkpoint from which a resumed fit starts at <paramref name="startEpoch"/>.</summary>
    internal void SaveCheckpoint(string path, int startEpoch) => Checkpoint.Capture(this, startEpoch, path).Write(path);

    /// <summary>Called by the loop after <c>BeforeFit</c>: applies a pending resume; returns the first epoch to run.</summary>
    private int StartEpoch()
    {
        if (pendingResume is not Checkpoint checkpoint)
        {
            return 0;
        }

        pendingResume = null;
        checkpoint.ApplyTo(this, counters: true);
        return checkpoint.StartEpoch;
    }
}
