using System.Diagnostics;
using Spectre.Console;
using TorchSharp;

namespace CallbackGen;

/// <summary>
/// Shows the fit: on a terminal a live progress bar per phase with the loss, and a table row per
/// epoch (epoch, training and validation loss, metrics, time); when the output is redirected, the
/// <c>CI</c> variable is set or a writer is given, exactly one plain line per epoch, without
/// control codes. Runs at <see cref="CallbackOrder.Progress"/>.
/// </summary>
/// <remarks>
/// Bar updates are throttled without reading the clock per batch: the bar is updated every
/// <em>k</em> batches, and <em>k</em> doubles while updates come faster than every 100 ms (halves
/// when slower than 400 ms). Only an update reads the loss, so a fast epoch pays one device sync
/// per ~100 ms, not one per batch. In plain mode no batch does any work. A batch skipped before its
/// loss (<see cref="CancelBatchException"/>) leaves the last loss shown, never NaN. The epoch table
/// shows the learner's one epoch row (<see cref="Learner.LastEpoch"/>): the same numbers, epoch
/// numbers (from 0) and time as <see cref="CsvLogger"/>'s file.
/// </remarks>
/// <example><code>learn.Fit(5, cbs: new[] { new Progress() });             // live on a terminal
/// learn.Fit(5, cbs: new[] { new Progress(output: logWriter) });  // one line per epoch</code></example>
// A display: rebuilt at every fit, nothing to resume.
[Transient]
[Callback(Order = CallbackOrder.Progress)]
public sealed partial class Progress : Callback, IDisposable
{
    private static readonly long Fast = Stopwatch.Frequency / 10;
    private static readonly long Slow = Stopwatch.Frequency * 4 / 10;
    private readonly IProgressView view;
    private long lastUpdate;
    private float lastLoss = float.NaN;
    private int stride = 1;
    private int sinceUpdate;

    /// <summary>Creates the display.</summary>
    /// <param name="output">Where to write; null for the console. A given writer gets plain lines unless <paramref name="live"/> is true.</param>
    /// <param name="live">Force the live display (true) or plain lines (false); null decides from the environment.</param>
    public Progress(TextWriter? output = null, bool? live = null)
    {
        bool useLive = live ?? (output is null && IsInteractiveConsole());
        view = useLive
            ? new LiveProgressView(output is null ? AnsiConsole.Console : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) }))
            : new PlainProgressView(output ?? Console.Out);
    }

    /// <summary>Shows the fit on <paramref name="view"/> (the seam tests use to see what a display is given).</summary>
    internal Progress(IProgressView view) => this.view = view;

    /// <summary>Fits only: an LR finder, a validation or a prediction leaves it as it was.</summary>
    public override RunKinds RunsIn => RunKinds.Fit;

    /// <summary>True when the live display is used.</summary>
    public bool IsLive => view.IsLive;

    [Callback] private void BeforeTrain() => Begin("train");

    [Callback] private void BeforeValidate() => Begin("valid");

    [Callback]
    private void AfterBatch()
    {
        if (!view.IsLive || ++sinceUpdate < stride)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        long elapsed = now - lastUpdate;
        stride = elapsed < Fast ? Math.Min(stride * 2, 1 << 20) : elapsed > Slow ? Math.Max(stride / 2, 1) : stride;
        (lastUpdate, sinceUpdate) = (now, 0);
        if (Loss is not null)
        {
            lastLoss = Loss.SingleValue(); // the one device read, at the display's pace
        }

        view.Update(Iter + 1, lastLoss);
    }

    [Callback] private void AfterTrain() => view.EndPhase();

    [Callback] private void AfterValidate() => view.EndPhase();

    [Callback]
    private void AfterEpoch()
    {
        if (Learn.LastEpoch is EpochRecord row)
        {
            view.Epoch(row);
        }
    }

    [Callback] private void AfterFit() => view.EndPhase();

    /// <summary>Releases what the run held, however it ended (the learner calls this after every fit).</summary>
    protected internal override void Teardown(Exception? error) => Dispose();

    /// <summary>
    /// Writes <paramref name="line"/> above the live bar (for <see cref="Learner.Log"/>); false when
    /// the display is not live, so the caller writes it elsewhere.
    /// </summary>
    internal bool TryWriteLine(string line)
    {
        if (!view.IsLive)
        {
            return false;
        }

        view.WriteLine(line);
        return true;
    }

    /// <summary>Stops a live display that is still running (a fit that ended by an exception).</summary>
    public void Dispose() => view.Dispose();

    private void Begin(string phase)
    {
        (lastUpdate, sinceUpdate, lastLoss) = (Stopwatch.GetTimestamp(), 0, float.NaN);
        view.BeginPhase(phase, Learn.Dl?.Count ?? 0);
    }

    private static bool IsInteractiveConsole() =>
        !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("CI") is not ("true" or "1" or "True")
        && Environment.GetEnvironmentVariable("TERM") is not "dumb"
        && AnsiConsole.Profile.Capabilities.Interactive;
}
