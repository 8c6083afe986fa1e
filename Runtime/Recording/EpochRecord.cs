namespace CallbackGen;

/// <summary>What the <see cref="Recorder"/> kept of one epoch.</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="TrainLoss">The epoch's mean training loss (from the learner's training stats when published, else the mean of the recorded batch losses); null when no training batch ran.</param>
/// <param name="ValidLoss">The validation loss published for this epoch; null when validation did not run or no stats callback published it.</param>
/// <param name="Metrics">The validation metrics published for this epoch, by name (empty when none).</param>
/// <param name="WallTime">The wall-clock time of the epoch.</param>
/// <param name="BatchesDone">Training batches recorded in the fit up to the end of this epoch (the x position of this epoch's validation point on loss plots).</param>
public sealed record EpochRecord(
    int Epoch,
    double? TrainLoss,
    double? ValidLoss,
    IReadOnlyList<KeyValuePair<string, double>> Metrics,
    TimeSpan WallTime,
    int BatchesDone);
