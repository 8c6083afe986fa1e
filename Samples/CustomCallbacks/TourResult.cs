namespace CallbackGen.Samples.CustomCallbacks;

/// <summary>What the tour observed, for checking.</summary>
/// <param name="StepsBeforeStop">The optimiser steps of the first fit, which <see cref="StopAfterIterations"/> cancelled.</param>
/// <param name="TrainIterAtStop">The learner's training-iteration counter after that fit.</param>
/// <param name="Plan">The dispatch plan printed before the second fit.</param>
/// <param name="Lrs">The learning rate of every batch of the second fit, as the recorder saw it.</param>
/// <param name="Accuracy">The validation accuracy after the second fit.</param>
public sealed record TourResult(int StepsBeforeStop, long TrainIterAtStop, string Plan, IReadOnlyList<double> Lrs, double Accuracy);
