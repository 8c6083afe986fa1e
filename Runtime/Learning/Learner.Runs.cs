namespace CallbackGen;

/// <content>Runs: their kind, their output (<see cref="Log"/>) and the state a run leaves behind.</content>
public sealed partial class Learner
{
    private readonly List<string> messages = new();
    private TextWriter? output;

    /// <summary>
    /// The kind of the run in progress, or of the last run (<see cref="RunKind.Fit"/> before any).
    /// Callbacks see it as <see cref="Callback.RunKind"/>.
    /// </summary>
    public RunKind RunKind { get; private set; }

    /// <summary>
    /// Where <see cref="Log"/> writes when no live <see cref="Progress"/> display takes part in the run;
    /// <see cref="Console.Out"/> unless set (at the time of writing, so a redirected console is followed).
    /// </summary>
    public TextWriter Output
    {
        get => output ?? Console.Out;
        set => output = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>True while a run (a fit, an LR finder, a validation, a prediction) is in progress.</summary>
    internal bool IsRunning => running;

    /// <summary>The lines <see cref="Log"/> wrote during the current run (or the last one), in order.</summary>
    public IReadOnlyList<string> Messages => messages;

    /// <summary>
    /// Writes one line of run output: above the bar of a live <see cref="Progress"/> display that takes
    /// part in the run, else to <see cref="Output"/>. The line is also kept in <see cref="Messages"/>
    /// until the next run starts.
    /// </summary>
    /// <param name="message">The line (a line break in it is written as is).</param>
    /// <example><code>learn.Log("resuming from runs/last.ckpt");</code></example>
    public void Log(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        messages.Add(message);
        if (Rank != 0)
        {
            // A distributed fit's run output is rank 0's (docs/distributed.md).
            return;
        }

        foreach (Callback cb in callbacks)
        {
            if (running && cb is Progress progress && dispatcher.TakesPart(progress) && progress.TryWriteLine(message))
            {
                return;
            }
        }

        TextWriter w = Output;
        w.WriteLine(message);
        w.Flush();
    }

    /// <summary>Attaches the per-run callbacks of <paramref name="cbs"/>, remembering them in <paramref name="added"/> for <see cref="EndRun"/>.</summary>
    private void AttachForRun(IEnumerable<Callback>? cbs, List<Callback> added)
    {
        if (cbs is null)
        {
            return;
        }

        foreach (Callback cb in cbs)
        {
            Add(cb);
            added.Add(cb);
        }
    }

    /// <summary>
    /// The learner-visible state a run changes (counters, statistics, mode): taken before a run that
    /// must leave no trace (the LR finder, a prediction) and put back after it.
    /// </summary>
    private sealed record LoopState(
        int Epoch, int NEpoch, int Iter, int NIter, double PctTrain, long TrainIter, bool Training,
        PhaseStats? TrainStats, PhaseStats? ValidStats, double Lr)
    {
        public static LoopState Of(Learner l) =>
            new(l.Epoch, l.NEpoch, l.Iter, l.NIter, l.PctTrain, l.TrainIter, l.Training, l.TrainStats, l.ValidStats, l.Lr);

        public void Restore(Learner l) =>
            (l.Epoch, l.NEpoch, l.Iter, l.NIter, l.PctTrain, l.TrainIter, l.Training, l.TrainStats, l.ValidStats, l.Lr) =
            (Epoch, NEpoch, Iter, NIter, PctTrain, TrainIter, Training, TrainStats, ValidStats, Lr);
    }
}
