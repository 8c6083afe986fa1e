namespace CallbackGen.Samples.FashionMnist;

/// <summary>What a finished run produced.</summary>
/// <param name="Accuracy">The final validation accuracy, in [0, 1].</param>
/// <param name="ValidLoss">The final validation loss.</param>
/// <param name="Lr">The peak learning rate used (given, suggested by the LR finder, or the resumed run's).</param>
/// <param name="OutputFolder">The folder holding the run's files.</param>
/// <param name="Files">The files written (plots, metrics.csv, the checkpoint, run.json), full paths.</param>
/// <param name="Elapsed">The wall time from loading the data to the end of training.</param>
/// <param name="Interrupted">True when Ctrl-C or SIGTERM ended the fit early (accuracy and loss are NaN then).</param>
public sealed record JobResult(double Accuracy, double ValidLoss, double Lr, string OutputFolder, IReadOnlyList<string> Files, TimeSpan Elapsed, bool Interrupted = false);
