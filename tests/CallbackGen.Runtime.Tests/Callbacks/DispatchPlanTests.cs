using static CallbackGen.Event;

namespace CallbackGen.Runtime.Tests.Callbacks;

/// <summary>Each built-in callback handles the right events at the right Order, as the learner's dispatch plan shows.</summary>
public sealed class DispatchPlanTests
{
    public static TheoryData<string, Event[]> Expected => new()
    {
        { "TerminateOnNaN(0)", new[] { BeforeFit, BeforeTrain, AfterLoss } },
        { "Progress(60)", new[] { BeforeTrain, AfterBatch, AfterTrain, BeforeValidate, AfterValidate, AfterEpoch, AfterFit } },
        { "SaveModel(61)", new[] { BeforeFit, AfterBatch, AfterEpoch, AfterCancelFit } },
        { "EarlyStopping(63)", new[] { BeforeFit, AfterEpoch, AfterFit } },
        { "CsvLogger(0)", new[] { BeforeFit, AfterEpoch, AfterFit } },
        { "GradientAccumulation(0)", new[] { BeforeBackward, AfterBackward } },
        { "GradientClip(0)", new[] { BeforeStep } },
        { "BatchTransform(-5)", new[] { BeforeBatch } },
        { "ActivationStats(0)", new[] { BeforeFit, AfterBatch, AfterFit } },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Each_callback_appears_under_its_events_with_its_order(string entry, Event[] events)
    {
        using var task = new TinyTask();
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[]
        {
            new Progress(TextWriter.Null), new SaveModel("unused.ckpt"), new EarlyStopping(), new CsvLogger("unused.csv"),
            new GradientAccumulation(2), new GradientClip(1), new BatchTransform(x => x), new ActivationStats(),
        });

        Assert.Equal(events.Order(), Plan.EventsOf(learn, entry).Order());
    }

    [Fact]
    public void Built_in_orders_sort_as_in_fastai_at_the_end_of_an_epoch()
    {
        using var task = new TinyTask();
        Learner learn = task.Learner(modelSeed: 1, cbs: new Callback[] { new EarlyStopping(), new SaveModel("unused.ckpt"), new Progress(TextWriter.Null) });

        Assert.Equal(new[] { "TrainEvalCallback(-10)", "AvgStatsCallback(-5)", "Progress(60)", "SaveModel(61)", "EarlyStopping(63)" }, Plan.Handlers(learn, AfterEpoch));
    }
}
