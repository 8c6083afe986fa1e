namespace CallbackGen;

/// <summary>Where <see cref="Progress"/> shows a fit: a live terminal display or plain lines.</summary>
internal interface IProgressView : IDisposable
{
    /// <summary>A phase (training or validation) of <paramref name="total"/> batches begins.</summary>
    void BeginPhase(string name, int total);

    /// <summary><paramref name="done"/> batches of the phase are done; <paramref name="loss"/> is the last loss computed (NaN when none yet).</summary>
    void Update(int done, float loss);

    /// <summary>The phase ended (also when cancelled).</summary>
    void EndPhase();

    /// <summary>A line of run output (from <see cref="Learner.Log"/>), shown above a live bar.</summary>
    void WriteLine(string line);

    /// <summary>An epoch ended.</summary>
    void Epoch(EpochRecord row);

    /// <summary>True when <see cref="Update"/> shows anything (so the loss need not be read otherwise).</summary>
    bool IsLive { get; }
}
