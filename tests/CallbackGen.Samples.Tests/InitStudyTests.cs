using CallbackGen.Samples.InitStudy;

namespace CallbackGen.Samples.Tests;

public sealed class InitStudyTests
{
    [Fact]
    public void The_study_measures_every_layer_and_concludes_from_the_measurements()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();

        StudyResult result = Study.Run(new StudyOptions { Images = 64, Depth = 4, Out = dir.Path, Data = EmbeddedData.Folder }, output);

        string text = output.ToString();
        Assert.Equal(["linear", "conv"], result.Stacks.Select(s => s.Stack).ToArray());
        foreach (StackStudy stack in result.Stacks)
        {
            Assert.Equal(InitScheme.All.Select(s => s.Name).ToArray(), stack.Schemes.Select(s => s.Scheme).ToArray());
            foreach (SchemeStats scheme in stack.Schemes)
            {
                // Every layer of the flat stack was hooked: 4 weight layers and their ReLUs.
                Assert.Equal(8, scheme.Layers.Count);
                Assert.All(scheme.Layers, l => Assert.True(double.IsFinite(l.Std) && l.Std > 0, $"{stack.Stack}/{scheme.Scheme}/{l.Layer}: std {l.Std}"));

                // A ReLU's output is never negative.
                Assert.All(scheme.Layers.Where(l => !l.IsWeightLayer), l => Assert.True(l.Mean >= 0));
            }

            // The conclusion names the scheme nearest std 1, recomputed here from the measured numbers.
            string nearest = stack.Schemes.MinBy(s => s.WeightLayerStds.Sum(std => Math.Abs(Math.Log(std))))!.Scheme;
            Assert.Contains($"{stack.Stack} stack: {nearest} keeps std nearest 1", result.Conclusion, StringComparison.Ordinal);

            // The lesson's findings: the default init shrinks the std with depth, N(0,1) blows it up,
            // and kaiming_normal_ keeps it on scale.
            SchemeStats byDefault = stack.Schemes.Single(s => s.Scheme == InitScheme.Default.Name);
            SchemeStats normal = stack.Schemes.Single(s => s.Scheme == InitScheme.StandardNormal.Name);
            Assert.True(byDefault.WeightLayerStds[^1] < byDefault.WeightLayerStds[0] / 4, $"default: {string.Join(", ", byDefault.WeightLayerStds)}");
            Assert.True(normal.WeightLayerStds[^1] > 100, $"N(0,1): {string.Join(", ", normal.WeightLayerStds)}");
            Assert.Equal(InitScheme.KaimingNormal.Name, nearest);
        }

        Assert.Contains(result.Conclusion, text, StringComparison.Ordinal);
        Assert.Contains("relu4", text, StringComparison.Ordinal);
        Assert.Contains("conv4", text, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(dir.Path, Study.PlotFile), result.Plot);
        Assert.True(new FileInfo(result.Plot).Length > 1000);
    }

    [Fact]
    public void The_command_line_runs_the_study_and_writes_the_plot_where_asked()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();

        int code = StudyCli.Run(["--data", EmbeddedData.Folder, "--images", "32", "--depth", "3", "--out", dir.Path], output, new StringWriter());

        Assert.Equal(0, code);
        Assert.True(File.Exists(dir[Study.PlotFile]));
        Assert.Contains("linear3", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("linear4", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--images", "1")]
    [InlineData("--depth", "zero")]
    [InlineData("--data", "/no/such/folder")]
    [InlineData("--frobnicate", "1")]
    [InlineData("--out", null)]
    public void A_bad_argument_exits_with_2_and_prints_the_usage(string name, string? value)
    {
        var error = new StringWriter();
        var output = new StringWriter();

        int code = StudyCli.Run(value is null ? [name] : [name, value], output, error);

        Assert.Equal(2, code);
        Assert.Equal("", output.ToString());
        Assert.StartsWith($"error: unexpected or invalid argument '{name}'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(StudyCli.Usage, error.ToString(), StringComparison.Ordinal);
    }
}
