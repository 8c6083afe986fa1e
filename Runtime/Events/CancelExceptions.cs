namespace CallbackGen;

/// <summary>
/// Base of the control-flow exceptions a handler throws to skip part of the loop. Each is caught
/// only by the scope of its own phase; thrown where no such scope is open it is a usage error.
/// </summary>
public abstract class CancelException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected CancelException(string message) : base(message) { }
}

/// <summary>Skips the rest of the backward pass; the optimiser step still runs.</summary>
public sealed class CancelBackwardException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelBackwardException() : base("Backward cancelled.") { }
}

/// <summary>Skips the optimiser step; zero-grad still runs.</summary>
public sealed class CancelStepException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelStepException() : base("Step cancelled.") { }
}

/// <summary>Skips the rest of the batch: no step, no zero-grad (gradients accumulate).</summary>
public sealed class CancelBatchException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelBatchException() : base("Batch cancelled.") { }
}

/// <summary>Ends the training phase of the epoch; validation still runs.</summary>
public sealed class CancelTrainException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelTrainException() : base("Training phase cancelled.") { }
}

/// <summary>Ends the validation phase of the epoch.</summary>
public sealed class CancelValidateException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelValidateException() : base("Validation cancelled.") { }
}

/// <summary>Ends the epoch, skipping its validation if it had not started.</summary>
public sealed class CancelEpochException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelEpochException() : base("Epoch cancelled.") { }
}

/// <summary>Ends the fit; <see cref="Event.AfterCancelFit"/> and <see cref="Event.AfterFit"/> still fire.</summary>
public sealed class CancelFitException : CancelException
{
    /// <summary>Creates the exception.</summary>
    public CancelFitException() : base("Fit cancelled.") { }
}
