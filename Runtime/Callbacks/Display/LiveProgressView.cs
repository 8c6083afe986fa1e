using System.Globalization;
using Spectre.Console;

namespace CallbackGen;

/// <summary>
/// A Spectre.Console progress bar per phase (with the loss) and a table row per epoch. The bar is
/// redrawn on the training thread, at most every <see cref="RefreshEvery"/>, not by Spectre's refresh
/// thread: a thread that allocates while the training thread is inside a libtorch call can start a
/// garbage collection that frees a scalar the call still reads (TorchSharp 0.107; see the remarks of
/// CallbackGen.Data.SkiaNative), and drawing allocates.
/// </summary>
internal sealed class LiveProgressView(IAnsiConsole console) : IProgressView
{
    private const int ColumnWidth = 12;
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMilliseconds(200);
    private ProgressContext? context;
    private long lastRefresh;
    private Task? render;
    private ManualResetEventSlim? finish;
    private ProgressTask? bar;
    private bool headerShown;

    public bool IsLive => true;

    public void BeginPhase(string name, int total)
    {
        EndPhase();
        var ready = new ManualResetEventSlim();
        finish = new ManualResetEventSlim();
        ManualResetEventSlim done = finish;
        render = Task.Run(() =>
        {
            try
            {
                console.Progress().AutoClear(true).HideCompleted(true).AutoRefresh(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        bar = ctx.AddTask(name, maxValue: Math.Max(total, 1));
                        context = ctx;
                        ready.Set();
                        done.Wait();
                        bar.Value = bar.MaxValue;
                    });
            }
            finally
            {
                ready.Set();
            }
        });
        ready.Wait();
        if (render.IsFaulted)
        {
            render.GetAwaiter().GetResult();
        }
    }

    public void Update(int done, float loss)
    {
        if (bar is ProgressTask b)
        {
            b.Value = done;
            string shown = float.IsNaN(loss) ? "-" : loss.ToString("0.0000", CultureInfo.InvariantCulture);
            b.Description = $"{b.Description.Split(' ')[0]} loss {shown}";
            if (context is ProgressContext c && System.Diagnostics.Stopwatch.GetElapsedTime(lastRefresh) >= RefreshEvery)
            {
                lastRefresh = System.Diagnostics.Stopwatch.GetTimestamp();
                c.Refresh();
            }
        }
    }

    public void EndPhase()
    {
        finish?.Set();
        render?.GetAwaiter().GetResult();
        (render, finish, bar, context) = (null, null, null, null);
    }

    // Spectre's live display redraws below what is written while it runs, so the line lands above the bar.
    public void WriteLine(string line) => console.WriteLine(line);

    public void Epoch(EpochRecord row)
    {
        EndPhase();
        string[] names = EpochText.Header(row);
        string[] cells = EpochText.Cells(row);
        if (!headerShown)
        {
            console.MarkupLine("[bold]" + Markup.Escape(Row(names)) + "[/]");
            headerShown = true;
        }

        console.WriteLine(Row(cells));
    }

    public void Dispose()
    {
        EndPhase();

        // However the run ended (an exception, Ctrl-C), the cursor the live display hid is shown again,
        // written raw: the display is live only on a terminal (or when forced), where the sequence belongs.
        TextWriter writer = console.Profile.Out.Writer;
        writer.Write(Learner.ShowCursor);
        writer.Flush();
    }

    private static string Row(IEnumerable<string> cells) => string.Concat(cells.Select(c => c.PadRight(ColumnWidth)));
}
