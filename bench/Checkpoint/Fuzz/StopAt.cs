namespace CallbackGen.Benchmarks.Checkpoint.Fuzz;

/// <summary>Asks the fit to stop after a given training batch, as Ctrl-C would: SaveModel then writes a mid-epoch checkpoint.</summary>
internal sealed partial class StopAt(int epoch, int batch) : Callback
{
    [Callback]
    private void AfterBatch()
    {
        if (Training && Epoch == epoch && Iter == batch)
        {
            Learn.RequestStop("fuzz fixture");
        }
    }
}
