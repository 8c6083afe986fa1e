namespace CallbackGen.Runtime.Tests.Support;

/// <summary>Handles all 23 events: appends each event's name to a shared log, then asks its thrower whether to throw.</summary>
internal sealed partial class RecordingCallback : Callback
{
    private readonly List<string> log;
    private readonly List<(Event Event, Func<Learner, bool> When, Func<Exception> Make)> throws = new();

    public RecordingCallback(List<string> log) => this.log = log;

    /// <summary>Throws <paramref name="make"/>() the first time <paramref name="e"/> fires and <paramref name="when"/> holds.</summary>
    public RecordingCallback ThrowAt(Event e, Func<Exception> make, Func<Learner, bool>? when = null)
    {
        throws.Add((e, when ?? (_ => true), make));
        return this;
    }

    private void On(Event e)
    {
        log.Add(e.ToString());
        for (int i = 0; i < throws.Count; i++)
        {
            var (ev, when, make) = throws[i];
            if (ev == e && when(Learn))
            {
                throws.RemoveAt(i);
                throw make();
            }
        }
    }

    [Callback] private void BeforeFit() => On(Event.BeforeFit);
    [Callback] private void BeforeEpoch() => On(Event.BeforeEpoch);
    [Callback] private void BeforeTrain() => On(Event.BeforeTrain);
    [Callback] private void BeforeBatch() => On(Event.BeforeBatch);
    [Callback] private void AfterPred() => On(Event.AfterPred);
    [Callback] private void AfterLoss() => On(Event.AfterLoss);
    [Callback] private void BeforeBackward() => On(Event.BeforeBackward);
    [Callback] private void AfterBackward() => On(Event.AfterBackward);
    [Callback] private void BeforeStep() => On(Event.BeforeStep);
    [Callback] private void AfterStep() => On(Event.AfterStep);
    [Callback] private void AfterBatch() => On(Event.AfterBatch);
    [Callback] private void AfterTrain() => On(Event.AfterTrain);
    [Callback] private void BeforeValidate() => On(Event.BeforeValidate);
    [Callback] private void AfterValidate() => On(Event.AfterValidate);
    [Callback] private void AfterEpoch() => On(Event.AfterEpoch);
    [Callback] private void AfterFit() => On(Event.AfterFit);
    [Callback] private void AfterCancelBatch() => On(Event.AfterCancelBatch);
    [Callback] private void AfterCancelTrain() => On(Event.AfterCancelTrain);
    [Callback] private void AfterCancelValidate() => On(Event.AfterCancelValidate);
    [Callback] private void AfterCancelEpoch() => On(Event.AfterCancelEpoch);
    [Callback] private void AfterCancelFit() => On(Event.AfterCancelFit);
    [Callback] private void AfterCancelBackward() => On(Event.AfterCancelBackward);
    [Callback] private void AfterCancelStep() => On(Event.AfterCancelStep);
}
