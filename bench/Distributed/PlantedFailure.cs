using System.Diagnostics;

namespace CallbackGen.Benchmarks.Distributed;

/// <summary>Fails (throws, or kills its own process with SIGKILL) on one rank at batch 3 of one epoch.</summary>
internal sealed partial class PlantedFailure(int rank, int epoch, bool kill) : Callback
{
    [Callback]
    private void BeforeBatch()
    {
        if (Training && Learn.Rank == rank && Epoch == epoch && Iter == 3)
        {
            if (kill)
            {
                Process.GetCurrentProcess().Kill();
            }

            throw new InvalidOperationException($"planted failure on rank {rank} in epoch {epoch}");
        }
    }
}
