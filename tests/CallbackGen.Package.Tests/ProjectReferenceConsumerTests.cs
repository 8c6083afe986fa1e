using CallbackGen.Package.Tests.Infrastructure;

namespace CallbackGen.Package.Tests;

/// <summary>
/// A console project outside the repository that references Runtime/CallbackGen.csproj by
/// ProjectReference (no package, none of the repository's Directory.Build.* files) and calls
/// TorchSharp before touching any CallbackGen type, so CallbackGen's run-time fallback cannot have
/// run: TorchSharp's native library must already load from the build output (on Debian 12 that
/// takes the patched copy that the referenced project hands over).
/// </summary>
[Trait("Category", "Slow")]
public sealed class ProjectReferenceConsumerTests : IDisposable
{
    private readonly TempDirectory folder = new("callbackgen-projref-");

    [Fact]
    public void TorchSharp_loads_before_any_CallbackGen_type_in_a_project_that_references_the_runtime_project()
    {
        Assert.False(folder.Path.StartsWith(RepositoryFiles.Root, StringComparison.Ordinal), "the consumer must live outside the repository");
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
            </Project>
            """);
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

        // The runtime is already built by the solution build that precedes the tests; building it
        // again from here would write into the repository's bin/ and obj/ while other tests run.
        CommandResult build = DotNet.Run(folder.Path, new Dictionary<string, string?>(), ["build", "-c", "Debug", "-p:BuildProjectReferences=false", .. DotNet.NoServers]);
        Assert.True(build.ExitCode == 0, build.ToString());

        CommandResult run = DotNet.Run(folder.Path, new Dictionary<string, string?>(), [Path.Combine(folder.Path, "bin", "Debug", "net10.0", "Consumer.dll")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("sum 3", run.Output, StringComparison.Ordinal);
        Assert.Contains("then Learner", run.Output, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Dispose();
}
