namespace CallbackGen;

/// <content>Stopping a fit cleanly: <see cref="RequestStop"/>, Ctrl-C and SIGTERM.</content>
public sealed partial class Learner
{
    /// <summary>The control sequence that makes a terminal's cursor visible again.</summary>
    internal const string ShowCursor = "\u001b[?25h";

    private volatile bool stopRequested;
    private volatile string? stopReason;

    /// <summary>
    /// True once the running fit was asked to stop (<see cref="RequestStop"/>, or Ctrl-C / SIGTERM);
    /// cleared when the next fit starts.
    /// </summary>
    public bool StopRequested => stopRequested;

    /// <summary>True when the last fit was ended by Ctrl-C or SIGTERM (a program exits with 130 then, as the sample does).</summary>
    public bool Interrupted { get; private set; }

    /// <summary>
    /// Whether a fit handles Ctrl-C (SIGINT) and SIGTERM while it runs (default true): the first
    /// signal finishes the current batch and ends the fit through the cancel path
    /// (<c>AfterCancelFit</c>, <c>AfterFit</c>; <see cref="SaveModel"/> writes a final checkpoint, the
    /// live display restores the terminal); a second signal exits the process at once with code 130,
    /// after making the cursor visible. A program that calls <see cref="ConsoleSignals.HandleForProgram"/>
    /// also exits with 130 on a signal outside a fit and on a second signal after the fit ended.
    /// </summary>
    public bool HandleSignals { get; set; } = true;

    /// <summary>
    /// Asks the running fit to stop after the current batch, through the cancel path
    /// (<see cref="CancelFitException"/>: <c>AfterCancelFit</c>, then <c>AfterFit</c>). Safe from any thread.
    /// </summary>
    /// <param name="reason">Said through <see cref="Log"/> when the fit stops.</param>
    public void RequestStop(string reason = "stop requested")
    {
        stopReason = reason;
        stopRequested = true;
    }

    /// <summary>Called by the loop between batches and epochs.</summary>
    private void StopIfRequested()
    {
        if (!stopRequested || RunKind != RunKind.Fit)
        {
            return;
        }

        var (epoch, next) = ResumePoint;
        Log($"{stopReason}: the fit stops at epoch {epoch}, batch {next} (the next to run).");
        throw new CancelFitException();
    }

    /// <summary>Ctrl-C and SIGTERM handling for the duration of one fit (see <see cref="ConsoleSignals"/>).</summary>
    private IDisposable? HandleSignalsDuringFit()
    {
        stopRequested = false;
        Interrupted = false;
        return HandleSignals && ConsoleSignals.Supported ? ConsoleSignals.EnterFit(this) : null;
    }

    /// <summary>The first Ctrl-C or SIGTERM of a fit: stop after the current batch.</summary>
    internal void Interrupt(string reason)
    {
        Interrupted = true;
        RequestStop(reason);
    }
}
