using CallbackGen.Package.Tests.Infrastructure;

namespace CallbackGen.Package.Tests;

/// <summary>
/// Console projects outside the repository that use the runtime from its source (no package, none of
/// the repository's Directory.Build.* files). With a ProjectReference alone, TorchSharp's native
/// library must load before any CallbackGen type (on Debian 12 that takes the patched copy the
/// referenced project hands over), and a [Callback] class, compiled without the generator, must
/// refuse to be constructed rather than run without its handlers (issue 29). With the one import
/// line of docs/guide.md ("Referencing the source"), handlers run and a misspelt handler stops the build.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ProjectReferenceConsumerTests : IDisposable
{
    private const string CountingCallback = """
        using CallbackGen;

        public sealed partial class CountingCallback : Callback
        {
            public int Batches { get; private set; }

            [Callback] private void AfterBatch() => Batches++;
        }
        """;

    private const string SmallFit = """
        using CallbackGen;
        using CallbackGen.Data;
        using TorchSharp;
        using static TorchSharp.torch;

        manual_seed(0);
        using Tensor x = randn(8, 3);
        using Tensor y = randn(8, 1);
        var data = new DataBunch(new DataLoader(x, y, batchSize: 4), new DataLoader(x, y, batchSize: 8));
        using var model = nn.Linear(3, 1);
        var counting = new CountingCallback();
        using var learn = new Learner(model, data, (pred, target) => nn.functional.mse_loss(pred, target), cbs: [counting]);
        learn.Fit(1);
        Console.WriteLine($"batches {counting.Batches}");
        """;

    private readonly TempDirectory folder = new("callbackgen-projref-");

    [Fact]
    public void TorchSharp_loads_before_any_CallbackGen_type_in_a_project_that_references_the_runtime_project()
    {
        WriteProject(withImport: false);
        File.WriteAllText(folder["Program.cs"], """
            using TorchSharp;

            // TorchSharp first: CallbackGen's module initializer (the run-time fallback) has not run.
            using (var t = torch.ones(3))
            {
                Console.WriteLine($"sum {t.sum().item<float>()}");
            }

            Later.Run();

            static class Later
            {
                public static void Run() => Console.WriteLine("then " + typeof(CallbackGen.Learner).Name);
            }
            """);

        AssertSucceeded(Build());
        CommandResult run = RunConsumer();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("sum 3", run.Output, StringComparison.Ordinal);
        Assert.Contains("then Learner", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_callback_compiled_without_the_generator_refuses_construction_and_says_the_line_that_fixes_it()
    {
        WriteProject(withImport: false);
        File.WriteAllText(folder["CountingCallback.cs"], CountingCallback);
        File.WriteAllText(folder["Program.cs"], SmallFit);

        AssertSucceeded(Build());
        CommandResult run = RunConsumer();

        // Unhandled, as a user first meets it: no fit ran, and the message names the cause and the fix.
        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("batches", run.Output, StringComparison.Ordinal);
        Assert.Contains("Callback 'CountingCallback' has no generated code: the CallbackGen source generator did not run", run.Output, StringComparison.Ordinal);
        Assert.Contains("[Callback] handler AfterBatch would never be called", run.Output, StringComparison.Ordinal);
        Assert.Contains("Runtime/build/CallbackGen.SourceReference.targets", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_source_reference_import_the_handlers_run()
    {
        WriteProject(withImport: true);
        File.WriteAllText(folder["CountingCallback.cs"], CountingCallback);
        File.WriteAllText(folder["Program.cs"], SmallFit);

        AssertSucceeded(Build());
        CommandResult run = RunConsumer();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("batches 3", run.Output, StringComparison.Ordinal); // two training batches and one validation batch
    }

    [Fact]
    public void With_the_source_reference_import_a_misspelt_handler_is_a_build_error()
    {
        WriteProject(withImport: true);
        File.WriteAllText(folder["Misspelt.cs"], """
            using CallbackGen;

            public sealed partial class MisspeltCallback : Callback
            {
                [Callback] private void AfterBtach() { }
            }
            """);
        File.WriteAllText(folder["Program.cs"], "System.Console.WriteLine(new MisspeltCallback().Name);\n");

        CommandResult build = Build();

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("CBG0001", build.Output, StringComparison.Ordinal);
        Assert.Contains("AfterBtach", build.Output, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Dispose();

    private void WriteProject(bool withImport)
    {
        Assert.False(folder.Path.StartsWith(RepositoryFiles.Root, StringComparison.Ordinal), "the consumer must live outside the repository");
        string import = withImport
            ? $"""<Import Project="{RepositoryFiles.PathOf("Runtime", "build", "CallbackGen.SourceReference.targets")}" />"""
            : string.Empty;
        File.WriteAllText(folder["Consumer.csproj"], $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{RepositoryFiles.PathOf("Runtime", "CallbackGen.csproj")}" />
              </ItemGroup>
              {import}
            </Project>
            """);
    }

    // The runtime, generator and analyzers are already built by the solution build that precedes the
    // tests; building them again from here would write into the repository's bin/ and obj/ while other tests run.
    private CommandResult Build() =>
        DotNet.Run(folder.Path, new Dictionary<string, string?>(), ["build", "-c", "Debug", "-p:BuildProjectReferences=false", .. DotNet.NoServers]);

    private static void AssertSucceeded(CommandResult build) => Assert.True(build.ExitCode == 0, build.ToString());

    private CommandResult RunConsumer() =>
        DotNet.Run(folder.Path, new Dictionary<string, string?>(), [Path.Combine(folder.Path, "bin", "Debug", "net10.0", "Consumer.dll")]);
}
