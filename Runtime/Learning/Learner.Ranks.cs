namespace CallbackGen;

/// <content>
/// The learner's place in a distributed fit: the hooks <see cref="Distributed.DataParallel"/> uses
/// (docs/distributed.md). In one process the rank is 0 of 1 and nothing here does anything.
/// </content>
public sealed partial class Learner
{
    /// <summary>
    /// This process's rank among the processes training together, from 0 (0 in one process). Set when a
    /// <see cref="Distributed.DataParallel"/> callback is attached. Only rank 0 prints and writes files.
    /// </summary>
    public int Rank { get; private set; }

    /// <summary>The number of processes training together (1 in one process).</summary>
    public int WorldSize { get; private set; } = 1;

    /// <summary>
    /// Set by <see cref="Distributed.DataParallel"/> for a fit: given whether this rank was asked to stop,
    /// returns whether any rank was (a collective), so every rank leaves the fit after the same batch.
    /// </summary>
    internal Func<bool, bool>? StopAgreement { get; set; }

    /// <summary>Sets this process's place (tests: a rank without an MPI job).</summary>
    internal void SetRank(int rank, int worldSize)
    {
        (Rank, WorldSize) = (rank, worldSize);
        dispatcher.Rank = rank;
    }
}
