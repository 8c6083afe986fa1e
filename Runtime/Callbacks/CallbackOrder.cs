namespace CallbackGen;

/// <summary>
/// The orders of the built-in callbacks' handlers (lower runs first; ties keep the order callbacks
/// were added), after fastai v2's <c>order</c> values, so that a callback of yours can be placed
/// relative to them by name: <c>[Callback(Order = CallbackOrder.Recorder + 1)]</c>.
/// </summary>
public static class CallbackOrder
{
    /// <summary><see cref="TrainEvalCallback"/>: switches train/eval mode before anything else runs.</summary>
    public const int TrainEval = -10;

    /// <summary><see cref="Augmentation.MixUp"/>'s <c>AfterLoss</c>: mixes the loss before the averages read it.</summary>
    public const int MixUpLoss = -6;

    /// <summary><see cref="AvgStatsCallback"/>: the epoch's loss and metric averages.</summary>
    public const int AvgStats = -5;

    /// <summary><see cref="CallbackGen.BatchTransform"/>: normalises and reshapes the batch on the device.</summary>
    public const int BatchTransform = -5;

    /// <summary><see cref="Augmentation.ImageAugment"/>: augments after the batch transform.</summary>
    public const int ImageAugment = -3;

    /// <summary><see cref="Augmentation.MixUp"/>'s <c>BeforeBatch</c>: mixes the inputs after the augmentation.</summary>
    public const int MixUp = -2;

    /// <summary>A handler with no order of its own, and a class with none.</summary>
    public const int Default = 0;

    /// <summary><see cref="CallbackGen.Recorder"/>: the history of losses, learning rates and epoch rows.</summary>
    public const int Recorder = 50;

    /// <summary><see cref="CallbackGen.ParamScheduler"/>: sets hyper-parameters before each training batch.</summary>
    public const int ParamScheduler = 60;

    /// <summary><see cref="CallbackGen.LrFinder"/>: the LR finder's own schedule and stop rule.</summary>
    public const int LrFinder = 60;

    /// <summary><see cref="CallbackGen.Progress"/>: the live bar and the epoch table.</summary>
    public const int Progress = 60;

    /// <summary><see cref="CallbackGen.SaveModel"/>: checkpoints, after the epoch's row is complete.</summary>
    public const int SaveModel = 61;

    /// <summary><see cref="CallbackGen.EarlyStopping"/>: after <see cref="SaveModel"/>, so the epoch that stops the fit is saved.</summary>
    public const int EarlyStopping = 63;

    /// <summary><see cref="TensorBoardLogger"/>: logs after the trackers.</summary>
    public const int TensorBoard = 65;

    /// <summary>The prediction runs' gatherer: after every other handler has seen the batch.</summary>
    public const int GatherPreds = 1000;
}
