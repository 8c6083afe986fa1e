namespace CallbackGen;

/// <summary>
/// Exactly one line per epoch and nothing else: for logs, CI and redirected output. No control
/// codes, no live updates.
/// </summary>
internal sealed class PlainProgressView(TextWriter output) : IProgressView
{
    public bool IsLive => false;

    public void BeginPhase(string name, int total)
    {
    }

    public void Update(int done, float loss)
    {
    }

    public void EndPhase()
    {
    }

    public void WriteLine(string line)
    {
        output.WriteLine(line);
        output.Flush();
    }

    public void Epoch(EpochRecord row)
    {
        output.WriteLine(EpochText.Line(row));
        output.Flush();
    }

    public void Dispose()
    {
    }
}
