using CallbackGen.Data;

namespace CallbackGen.Runtime.Tests.Callbacks;

/// <summary>A handler reads the learner's state through its own properties, never through <c>Learn.</c>.</summary>
public sealed partial class CallbackStateTests
{
    private sealed partial class StateReader : Callback
    {
        public List<string> Seen { get; } = new();

        [Callback]
        private void BeforeFit() => Seen.Add($"fit lr={Lr} data={ReferenceEquals(Data, Learn.Data)} device={Device.type} metrics={Metrics.Count}");

        [Callback]
        private void BeforeBatch()
        {
            if (Iter == 0)
            {
                Seen.Add($"{(Training ? "train" : "valid")} dl={(ReferenceEquals(Dl, Training ? Data.Train : Data.Valid) ? "phase loader" : "other")}");
            }
        }

        // Reads ValidStats before AfterValidate on purpose, to show it is not set yet (what CBG0009 warns about).
#pragma warning disable CBG0009
        [Callback]
        private void AfterTrain() => Seen.Add($"after train: train stats {(TrainStats is null ? "null" : "set")}, valid stats {(ValidStats is null ? "null" : "set")}");
#pragma warning restore CBG0009

        [Callback]
        private void AfterEpoch() => Seen.Add($"after epoch: loss {TrainStats!.Loss == Learn.TrainStats!.Loss}, valid {ReferenceEquals(ValidStats, Learn.ValidStats)}");
    }

    [Fact]
    public void Handlers_read_stats_loader_lr_data_device_and_metrics_as_properties()
    {
        var reader = new StateReader();
        using var learn = TinyTask.Learner(cbs: new[] { reader });

        learn.Fit(1);

        Assert.Equal(
            new[]
            {
                "fit lr=0.1 data=True device=CPU metrics=1",
                "train dl=phase loader",
                "after train: train stats set, valid stats null",
                "valid dl=phase loader",
                "after epoch: loss True, valid True",
            },
            reader.Seen);
    }
}
