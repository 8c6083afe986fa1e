using static TorchSharp.torch;

namespace CallbackGen.Runtime.Tests.Learning;

/// <summary>
/// An exception from a user handler, in each of the 23 events: it propagates unchanged, names its
/// callback and event, every callback is torn down, per-fit callbacks are detached, and the learner
/// trains afterwards exactly like a fresh one.
/// </summary>
public class ExceptionTests
{
    public static TheoryData<Event> AllEvents()
    {
        var data = new TheoryData<Event>();
        foreach (Event e in Enum.GetValues<Event>())
        {
            data.Add(e);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllEvents))]
    public void A_handler_exception_propagates_unchanged_and_leaves_the_learner_reusable(Event e)
    {
        var permanent = new ResourceHolder();
        using var learn = TinyTask.Learner(cbs: new[] { permanent }, seed: 3);
        using var initial = new MemoryStream();
        ModelWeights.Save(learn.Model, initial);
        var log = new List<string>();
        var faulty = new RecordingCallback(log);
        ArmCancelThatLeadsTo(e, faulty);
        var thrown = new HandlerFailure();
        faulty.ThrowAt(e, () => thrown);
        var perFit = new ResourceHolder();

        var ex = Assert.Throws<HandlerFailure>(() => learn.Fit(1, cbs: new Callback[] { perFit, faulty }));

        Assert.Same(thrown, ex);
        Assert.Equal(e.ToString(), log[^1]);
        Assert.Equal(typeof(RecordingCallback).FullName, ex.Data[CallbackExceptionData.CallbackKey]);
        Assert.Equal(e.ToString(), ex.Data[CallbackExceptionData.EventKey]);
        Assert.False(faulty.IsAttached);
        Assert.False(perFit.IsAttached);
        Assert.Equal(new[] { typeof(TrainEvalCallback), typeof(AvgStatsCallback), typeof(TerminateOnNaN), typeof(ResourceHolder) },
            learn.Callbacks.Select(c => c.GetType()));
        Assert.All(new[] { permanent, perFit }, holder =>
        {
            Assert.False(holder.HoldsResource, "run-scoped resources are released on every exit");
            Assert.Same(ex, holder.TeardownError);
        });
        Assert.Null(learn.Xb);
        Assert.Null(learn.Loss);

        // Reusable: from the same starting weights, a second fit equals a fresh learner's fit.
        initial.Position = 0;
        ModelWeights.Load(learn.Model, initial);
        learn.Fit(1);
        using var fresh = TinyTask.Learner(cbs: new[] { new ResourceHolder() }, seed: 3);
        fresh.Fit(1);
        Assert.Equal(Flat(fresh.Model), Flat(learn.Model));
        Assert.Equal(fresh.TrainStats!.Loss, learn.TrainStats!.Loss);
        Assert.Equal(fresh.ValidStats!.Loss, learn.ValidStats!.Loss);
        Assert.True(permanent.Fits == 2 && permanent.TeardownError is null);
    }

    [Fact]
    public void An_exception_from_Validate_also_tears_down_and_restores_the_mode()
    {
        var holder = new ResourceHolder();
        var faulty = new RecordingCallback(new List<string>()).ThrowAt(Event.AfterLoss, () => new HandlerFailure());
        using var learn = TinyTask.Learner(cbs: new Callback[] { holder, faulty });
        learn.Model.train();

        Assert.Throws<HandlerFailure>(() => learn.Validate());

        Assert.True(learn.Model.training);
        Assert.IsType<HandlerFailure>(holder.TeardownError);
        learn.Remove(faulty);
        Assert.Equal(2, learn.Validate().Count);
    }

    [Fact]
    public void A_failing_teardown_does_not_mask_the_exception_that_ended_the_fit()
    {
        var faulty = new RecordingCallback(new List<string>()).ThrowAt(Event.AfterBatch, () => new HandlerFailure());
        using var learn = TinyTask.Learner();

        var ex = Assert.Throws<HandlerFailure>(() => learn.Fit(1, cbs: new Callback[] { new FailingTeardown(), faulty }));

        var cleanup = Assert.IsType<Exception[]>(ex.Data[CallbackExceptionData.TeardownErrorsKey]);
        Assert.IsType<TimeoutException>(Assert.Single(cleanup));
        Assert.False(faulty.IsAttached);
    }

    [Fact]
    public void A_failing_teardown_after_a_good_fit_is_reported_after_every_callback_was_cleaned_up()
    {
        var holder = new ResourceHolder();
        var failing = new FailingTeardown();
        using var learn = TinyTask.Learner();

        Assert.Throws<TimeoutException>(() => learn.Fit(1, cbs: new Callback[] { failing, holder }));

        Assert.False(holder.HoldsResource);
        Assert.False(failing.IsAttached);
        Assert.False(holder.IsAttached);
    }

    [Fact]
    public void A_CsvLogger_file_left_open_by_a_failing_fit_is_closed_when_the_exception_leaves_Fit()
    {
        string dir = Directory.CreateTempSubdirectory("cbg-csv-").FullName;
        try
        {
            string path = Path.Combine(dir, "history.csv");
            var probe = new ExclusiveOpenProbe(path);
            using var learn = TinyTask.Learner();

            Assert.Throws<HandlerFailure>(() => learn.Fit(3, cbs: new Callback[] { new CsvLogger(path), probe }));

            Assert.True(probe.WasHeldDuringTheFit, "the logger holds the file between epochs, so the check below means something");
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                // Opening it exclusively succeeds: nothing holds it any more.
            }

            Assert.Equal(2, File.ReadAllLines(path).Length); // header + epoch 0
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>For the AfterCancelX events: throw X's cancel exception at BeforeX so that AfterCancelX fires.</summary>
    private static void ArmCancelThatLeadsTo(Event e, RecordingCallback rec)
    {
        (Event At, Func<Exception> Make)? cancel = e switch
        {
            Event.AfterCancelFit => (Event.BeforeFit, () => new CancelFitException()),
            Event.AfterCancelEpoch => (Event.BeforeEpoch, () => new CancelEpochException()),
            Event.AfterCancelTrain => (Event.BeforeTrain, () => new CancelTrainException()),
            Event.AfterCancelValidate => (Event.BeforeValidate, () => new CancelValidateException()),
            Event.AfterCancelBatch => (Event.BeforeBatch, () => new CancelBatchException()),
            Event.AfterCancelBackward => (Event.BeforeBackward, () => new CancelBackwardException()),
            Event.AfterCancelStep => (Event.BeforeStep, () => new CancelStepException()),
            _ => null,
        };
        if (cancel is { } c)
        {
            rec.ThrowAt(c.At, c.Make);
        }
    }

    private static float[] Flat(TorchSharp.torch.nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
}

/// <summary>A user's own exception type.</summary>
public sealed class HandlerFailure : Exception
{
    public HandlerFailure() : base("a user handler failed")
    {
    }
}

/// <summary>Holds a "resource" from BeforeFit until teardown, like a log file or a live display.</summary>
[Transient] // a test probe: observes one run, nothing to resume
internal sealed partial class ResourceHolder : Callback
{
    public bool HoldsResource { get; private set; }

    public Exception? TeardownError { get; private set; }

    public int Fits { get; private set; }

    [Callback(Order = -100)]
    private void BeforeFit()
    {
        HoldsResource = true;
        Fits++;
    }

    protected internal override void Teardown(Exception? error)
    {
        HoldsResource = false;
        TeardownError = error;
    }
}

internal sealed partial class FailingTeardown : Callback
{
    protected internal override void Teardown(Exception? error) => throw new TimeoutException("could not close the log");
}

/// <summary>At the second epoch, checks that the log file is held open, then fails.</summary>
[Transient] // a test probe: observes one run, nothing to resume
internal sealed partial class ExclusiveOpenProbe(string path) : Callback
{
    public bool WasHeldDuringTheFit { get; private set; }

    [Callback]
    private void BeforeEpoch()
    {
        if (Epoch != 1)
        {
            return;
        }

        try
        {
            using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            WasHeldDuringTheFit = true;
        }

        throw new HandlerFailure();
    }
}
