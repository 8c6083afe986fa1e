namespace CallbackGen.Runtime.Tests.Support;

/// <summary>Simulates a crash: throws at the start of a given training batch.</summary>
public sealed partial class ThrowAt(int epoch, int batch) : Callback
{
    [Callback]
    private void BeforeBatch()
    {
        if (Training && Epoch == epoch && Iter == batch)
        {
            throw new SimulatedCrashException($"crash at epoch {epoch}, batch {batch}");
        }
    }
}

public sealed class SimulatedCrashException(string message) : Exception(message);
