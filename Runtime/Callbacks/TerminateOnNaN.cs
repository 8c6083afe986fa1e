using TorchSharp;
using static TorchSharp.torch;

namespace CallbackGen;

/// <summary>
/// Stops the fit (<see cref="CancelFitException"/>) when a training loss is NaN or infinite, and
/// says where: <see cref="Message"/> names the epoch and batch, and is written to the error
/// writer. Every learner has one (added by its constructor); remove it with
/// <c>learn.Remove(learn.Get&lt;TerminateOnNaN&gt;()!)</c>.
/// </summary>
/// <remarks>
/// The check runs in <c>AfterLoss</c>, before the bad loss is back-propagated, so on the CPU the
/// weights never see it. On the CPU it reads the loss at once: CPU kernels run synchronously, so the
/// read costs no pipeline stall. On an accelerator reading a number per batch would stall the
/// device, so the check is queued there (the first bad iteration is recorded in a device tensor)
/// and read every <see cref="SyncEvery"/> batches and at the end of each training phase; the fit
/// then stops up to that many batches late, and the message still names the first bad batch.
/// </remarks>
public sealed partial class TerminateOnNaN : Callback, IDisposable
{
    // Per-epoch bookkeeping: the first bad batch (device-side check) and where the epoch began (BeforeTrain).
    [Transient] private Tensor? firstBad;
    [Transient] private long epochStartIter;

    /// <summary>Creates the guard.</summary>
    /// <param name="syncEvery">On an accelerator, read the device-side flag every this many batches.</param>
    /// <param name="error">Where the message goes; default <see cref="Console.Error"/>.</param>
    public TerminateOnNaN(int syncEvery = 32, TextWriter? error = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(syncEvery, 1);
        SyncEvery = syncEvery;
        Error = error ?? Console.Error;
    }

    /// <summary>Batches between two reads of the device-side flag on an accelerator.</summary>
    public int SyncEvery { get; }

    /// <summary>Where the message is written.</summary>
    public TextWriter Error { get; }

    /// <summary>Tests only: use the accelerator's deferred check on the CPU too.</summary>
    internal bool DeferredCheck { get; init; }

    /// <summary>Why the last fit was stopped, or null when it was not.</summary>
    [Transient]
    public string? Message { get; private set; }

    [Callback] private void BeforeFit() => Message = null;

    [Callback] private void BeforeTrain() => epochStartIter = TrainIter;

    [Callback]
    private void AfterLoss()
    {
        if (!Training)
        {
            return;
        }

        if (Loss.device_type == DeviceType.CPU && !DeferredCheck)
        {
            float value = Loss.SingleValue(); // ~1 µs through a held Scalar; item<float>() costs ~8 µs in TorchSharp 0.107
            if (!float.IsFinite(value))
            {
                Stop(TrainIter, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return;
        }

        using var s = new HeldScalars();
        firstBad ??= full(1, s.Of(-1L), dtype: ScalarType.Int64, device: Loss.device).DetachFromDisposeScope();
        using (Tensor bad = Loss.isfinite().logical_not().logical_and(firstBad.lt(s.Of(0L))))
        {
            firstBad.masked_fill_(bad, s.Of(TrainIter));
        }

        if ((TrainIter + 1) % SyncEvery == 0 || Iter == NIter - 1)
        {
            long at = firstBad.item<long>();
            if (at >= 0)
            {
                Stop(at, "NaN or infinite");
            }
        }
    }

    private void Stop(long trainIter, string value)
    {
        Message = $"Training loss is {value} at epoch {Epoch}, batch {trainIter - epochStartIter} (training iteration {trainIter}); the fit was stopped.";
        using (Scalar minusOne = (-1L).ToScalar())
        {
            firstBad?.fill_(minusOne);
        }

        Error.WriteLine(Message);
        throw new CancelFitException();
    }

    /// <summary>Releases the device-side flag however the fit ended.</summary>
    protected internal override void Teardown(Exception? error) => Dispose();

    /// <summary>Releases the device-side flag.</summary>
    public void Dispose()
    {
        firstBad?.Dispose();
        firstBad = null;
    }
}
