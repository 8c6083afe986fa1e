namespace CallbackGen.Runtime.Tests.Callbacks;

[Collection(GlobalRngCollection.Name)]
public sealed class ProgressTests
{
    [Fact]
    public void Redirected_output_gets_exactly_one_plain_line_per_epoch()
    {
        using var task = new TinyTask();
        var output = new StringWriter();
        var progress = new Progress(output);
        Learner learn = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(0.5, 0.4, 0.3));

        learn.Fit(3, cbs: new[] { progress });

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.False(progress.IsLive);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.DoesNotContain('\u001b', l));
        Assert.All(lines, l => Assert.DoesNotContain('\r', l));
        Assert.StartsWith("epoch 0  train_loss ", lines[0], StringComparison.Ordinal);
        Assert.Contains("  valid_loss 0.400000  accuracy -0.400000  time ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("epoch 2  ", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_display_prints_the_header_once_and_a_row_per_epoch_and_stops_its_thread_on_a_crash()
    {
        using var task = new TinyTask();
        var output = new StringWriter();
        var progress = new Progress(output, live: true);
        Learner learn = task.Learner(modelSeed: 1, cbs: new ScriptedMetric(0.5, 0.4, 0.3));

        Assert.Throws<SimulatedCrashException>(() => learn.Fit(3, cbs: new Callback[] { progress, new ThrowAt(2, 1) }));
        progress.Dispose();

        string text = output.ToString();
        Assert.True(progress.IsLive);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "epoch +train_loss +valid_loss +accuracy +time"));
        Assert.Contains("0.500000", text, StringComparison.Ordinal);
        Assert.Contains("0.400000", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0.300000", text, StringComparison.Ordinal);
    }
}
