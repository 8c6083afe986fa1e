namespace CallbackGen.Samples.FashionMnist;

/// <summary>The main job's exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Trained, and the final accuracy reached the sanity floor.</summary>
    public const int Success = 0;

    /// <summary>The run failed (unreadable data or checkpoint, no CUDA) or the accuracy stayed below the floor.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong; nothing ran.</summary>
    public const int Usage = 2;

    /// <summary>Ctrl-C or SIGTERM stopped the fit after its current batch (a final checkpoint was written): 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
