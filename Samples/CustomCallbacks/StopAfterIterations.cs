namespace CallbackGen.Samples.CustomCallbacks;

/// <summary>
/// The seed notebook's <c>TestCallback</c>: stops the whole fit after a number of optimiser steps.
/// The method's name is the event it handles; the generator wires it up at compile time (misspell
/// it and the build fails with CBG0001).
/// </summary>
/// <param name="iterations">How many steps to allow.</param>
public sealed partial class StopAfterIterations(int iterations) : Callback
{
    /// <summary>The steps taken in the current (or last) fit; kept in checkpoints, so a resumed fit stops on time.</summary>
    [Checkpointed]
    public int Steps { get; private set; }

    /// <summary>How many steps the fit may take.</summary>
    public int Iterations => iterations;

    [Callback] private void BeforeFit() => Steps = 0;

    [Callback]
    private void AfterStep()
    {
        // fastai v1 returned True to stop; here control flow is an exception with a defined meaning:
        // the fit ends, AfterCancelFit and AfterFit still fire.
        if (++Steps >= iterations)
        {
            throw new CancelFitException();
        }
    }
}
