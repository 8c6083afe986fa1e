namespace CallbackGen.Runtime.Tests.Support;

/// <summary>Publishes a scripted validation loss per epoch (overriding the measured one).</summary>
public sealed partial class ScriptedMetric(params double[] values) : Callback
{
    [Callback]
    private void AfterValidate() =>
        Learn.ValidStats = new PhaseStats(values[Epoch], new[] { KeyValuePair.Create("accuracy", -values[Epoch]) }, 1);
}
