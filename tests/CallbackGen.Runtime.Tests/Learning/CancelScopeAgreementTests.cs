namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// The runtime's misuse check and the catalogue's cancel scopes (which CBG0010 reports from) are one
/// table: every cancel exception thrown from every event, in a training and in a validation batch,
/// is caught exactly where <see cref="EventCatalog.IsCaught"/> says.
/// </summary>
public sealed class CancelScopeAgreementTests
{
    [Fact]
    public void Each_cancel_exception_from_each_event_is_caught_exactly_where_the_catalogue_says()
    {
        using Learner learn = TinyTask.Learner(trainBatches: 1, validBatches: 1);
        var disagreements = new List<string>();
        foreach (PhaseInfo phase in EventCatalog.Phases)
        {
            int phaseIndex = EventCatalog.PhaseIndexOf(phase.Name);
            foreach (Event e in Enum.GetValues<Event>())
            {
                bool fired = false, caught = false;
                foreach (bool training in new[] { true, false })
                {
                    switch (Probe(learn, phase.CancelException, e, training))
                    {
                        case Outcome.Caught:
                            fired = caught = true;
                            break;
                        case Outcome.Misuse:
                            fired = true;
                            break;
                    }
                }

                Assert.True(fired, $"{e} never fired");
                if (caught != EventCatalog.IsCaught(phaseIndex, (int)e))
                {
                    disagreements.Add($"{phase.CancelException} from {e}: runtime {(caught ? "caught" : "misuse")}");
                }
            }
        }

        Assert.Empty(disagreements);
    }

    [Theory]
    [InlineData("CancelBatchException", Event.BeforeStep, true)]
    [InlineData("CancelBatchException", Event.AfterBatch, false)]
    [InlineData("CancelTrainException", Event.AfterCancelBatch, true)]
    [InlineData("CancelValidateException", Event.AfterLoss, true)]
    [InlineData("CancelValidateException", Event.BeforeBackward, false)]
    [InlineData("CancelEpochException", Event.AfterValidate, true)]
    [InlineData("CancelFitException", Event.AfterFit, false)]
    [InlineData("CancelStepException", Event.AfterCancelStep, false)]
    public void The_catalogue_scopes_span_Before_and_the_body_but_not_AfterCancel_or_After(string exception, Event e, bool caught) =>
        Assert.Equal(caught, EventCatalog.IsCaught(EventCatalog.PhaseOfCancel(exception), (int)e));

    private enum Outcome { NotFired, Caught, Misuse }

    // One fit of one training and one validation batch: the probe throws the exception the first
    // time e fires in the chosen kind of batch (fit- and epoch-level events: whichever mode is set),
    // after a cancel that makes an AfterCancel event fire at all.
    private static Outcome Probe(Learner learn, string exception, Event e, bool training)
    {
        var probe = new RecordingCallback(new List<string>());
        string name = e.ToString();
        PhaseInfo? cancelled = EventCatalog.Phases.FirstOrDefault(p => p.AfterCancel == name);
        if (cancelled is not null)
        {
            probe.ThrowAt(Enum.Parse<Event>(cancelled.Before), () => Make(cancelled.CancelException), l => l.Training == training);
        }

        bool thrown = false;
        probe.ThrowAt(e, () => { thrown = true; return Make(exception); }, l => l.Training == training);
        try
        {
            learn.Fit(1, cbs: new[] { probe });
        }
        catch (InvalidOperationException ex) when (ex.InnerException is CancelException)
        {
            return Outcome.Misuse;
        }

        return thrown ? Outcome.Caught : Outcome.NotFired;
    }

    private static CancelException Make(string name) =>
        (CancelException)Activator.CreateInstance(typeof(CancelException).Assembly.GetType("CallbackGen." + name, throwOnError: true)!)!;
}
