using System.Globalization;

namespace CallbackGen.Samples.CustomCallbacks;

/// <summary>
/// Orders, both ways: the class-level <c>Order = 70</c> puts its handlers after the built-ins of
/// the same events (Recorder 50, ParamScheduler and Progress 60), so the epoch's numbers are final
/// when it prints them; the method-level <c>Order = -20</c> moves just <c>BeforeFit</c> ahead of
/// TrainEval (−10), to announce the fit before anything else happens.
/// </summary>
/// <param name="output">Where to print.</param>
[Callback(Order = 70)]
public sealed partial class EpochReport(TextWriter output) : Callback
{
    [Callback(Order = -20)]
    private void BeforeFit() => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EpochReport: a fit of {NEpoch} epoch(s) starts"));

    [Callback]
    private void AfterEpoch()
    {
        PhaseStats? valid = Learn.ValidStats;
        output.WriteLine(valid is null
            ? $"EpochReport: epoch {Epoch} ended without validation"
            : string.Create(CultureInfo.InvariantCulture, $"EpochReport: epoch {Epoch}: valid loss {valid.Loss:F4}, accuracy {valid["accuracy"]:P1}, lr now {Opt.Get(Hyper.Lr):0.####}"));
    }
}
