using CallbackGen.Native;
using CallbackGen.Package.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CallbackGen.Package.Tests;

/// <summary>A new console project that only references the CallbackGen package.</summary>
[Collection(PackageCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ConsumerProjectTests(PackagedConsumer consumer, ITestOutputHelper output)
{
    [Fact]
    public void A_fresh_console_project_builds_and_its_callback_and_annealer_run_in_a_fit()
    {
        PackagedConsumer.CheckSucceeded(consumer.BuildResult);
        CommandResult run = consumer.RunResult;
        PackagedConsumer.CheckSucceeded(run);

        string[] expected =
        [
            "BeforeFit epochs=1",
            "BeforeEpoch 0",
            "BeforeTrain training=True",
            "BeforeBatch train 0/2 lr=0.1",
            "AfterLoss train finite=True",
            "AfterBackward grad=True",
            "AfterStep",
            "AfterBatch train",
            "BeforeBatch train 1/2 lr=0.071",
            "AfterLoss train finite=True",
            "AfterBackward grad=True",
            "AfterStep",
            "AfterBatch train",
            "AfterTrain",
            "BeforeValidate training=False",
            "BeforeBatch valid 0/1 lr=0.05",
            "AfterLoss valid finite=True",
            "AfterBatch valid",
            "AfterValidate",
            "AfterEpoch 0",
            "AfterFit",
            "done",
        ];
        // The consumer's own output and each step's time, for the record (never asserted).
        output.WriteLine($"pack {consumer.PackResult.Duration.TotalSeconds:0.0} s, restore + build {consumer.BuildResult.Duration.TotalSeconds:0.0} s, run {run.Duration.TotalSeconds:0.0} s");
        output.WriteLine(consumer.BuildResult.ToString());
        output.WriteLine(run.ToString());

        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int done = Array.IndexOf(lines, "done");
        Assert.True(done >= 0, run.ToString());
        Assert.Equal(expected, lines[..(done + 1)]);

        // Then the answers to a request for CUDA with the package's CPU-only libtorch (docs/guide.md quotes them).
        Assert.StartsWith("learner: The learner was asked to train on 'cuda:0', but CUDA is not available in this process", lines[done + 1]);
        Assert.Contains("TorchSharp-cuda-linux", lines[done + 1], StringComparison.Ordinal);
        Assert.StartsWith("torch.CUDA: Torch device type CUDA did not initialise on the current machine.", lines[done + 2]);

        // Then the dispatch plan: the consumer's handlers with their resolved orders, after the built-in TrainEval.
        string plan = string.Join('\n', lines[(done + 3)..]);
        Assert.Contains("TrainEvalCallback(-10)", plan, StringComparison.Ordinal);
        Assert.Contains("PrintingCallback(100)", plan, StringComparison.Ordinal);
        Assert.Contains("PrintingCallback(0)", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void The_consumer_output_has_the_libstdcxx_fix_from_the_package_build_targets()
    {
        PackagedConsumer.CheckSucceeded(consumer.BuildResult);
        if (!OperatingSystem.IsLinux() || !ElfVersionPatcher.SystemNeedsFix())
        {
            return; // Nothing to fix on this system, and the targets must leave the library alone.
        }

        Assert.NotNull(consumer.TorchSharpNeedsAfterBuild);
        ElfVersionNeed need = Assert.Single(consumer.TorchSharpNeedsAfterBuild, n => n.Version == ElfVersionPatcher.TorchSharpExtraVersion);
        Assert.True(need.IsWeak, $"The build left {need.Version} a strict need:\n{consumer.BuildResult}");
    }

    [Fact]
    public void The_generated_code_names_the_generator_with_the_package_version()
    {
        PackagedConsumer.CheckSucceeded(consumer.BuildResult);
        string prefix = consumer.PackageVersion.Split('-')[0];
        string[] generated = Directory.GetFiles(consumer.ConsumerGeneratedSources, "*.cs", SearchOption.AllDirectories);

        // One for the callback, one for the annealer class; both stamped with the one version.
        Assert.Contains(generated, f => Path.GetFileName(f).Contains("PrintingCallback", StringComparison.Ordinal));
        Assert.Contains(generated, f => Path.GetFileName(f).Contains("ConsumerSchedules", StringComparison.Ordinal));
        Assert.All(generated, f => Assert.Contains($"GeneratedCode(\"CallbackGen.Generators\", \"{prefix}\")", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_event_name_fails_the_consumer_build_with_CBG0001()
    {
        CommandResult build = consumer.MisspeltBuildResult;
        output.WriteLine(build.ToString());

        Assert.True(build.ExitCode != 0, "The build with a misspelt event succeeded:\n" + build);
        Assert.Contains("CBG0001", build.Output, StringComparison.Ordinal);
        Assert.Contains("AfterBach", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_passed_implicitly_in_a_handler_warns_CBG0015_in_the_consumer_build()
    {
        CommandResult build = consumer.ImplicitScalarBuildResult;
        output.WriteLine(build.ToString());

        Assert.True(build.ExitCode == 0, "A warning must not fail the consumer's build:\n" + build);
        Assert.Contains("warning CBG0015: Passing '0.5' as 'alpha' makes a TorchSharp Scalar that nothing holds", build.Output, StringComparison.Ordinal);
        Assert.Contains("ImplicitScalar.cs(6,", build.Output, StringComparison.Ordinal);
    }
}
