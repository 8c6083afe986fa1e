using CallbackGen.Native;

namespace CallbackGen.Package.Tests.Infrastructure;

/// <summary>
/// A user's view of CallbackGen: the runtime packed into a local feed, and a new console project,
/// outside the repository (so none of its Directory.Build.* files apply), that references the
/// package by exact version. Each step runs once, on first use, and keeps its output.
/// </summary>
/// <remarks>
/// The consumer restores into a private packages folder, so no test build of CallbackGen ever
/// lands in the machine's NuGet cache; that cache is a read-only fallback folder for everything
/// else (TorchSharp and libtorch come from there, never downloaded or copied). Its only package
/// source is the local feed: restore needs no network.
/// </remarks>
public sealed class PackagedConsumer : IDisposable
{
    /// <summary>The consumer's assembly and folder name.</summary>
    public const string ConsumerName = "Consumer";

    private readonly Lazy<CommandResult> pack;
    private readonly Lazy<CommandResult> build;
    private readonly Lazy<CommandResult> run;
    private readonly Lazy<CommandResult> misspeltBuild;
    private readonly Lazy<CommandResult> implicitScalarBuild;

    /// <summary>Creates the work folder; nothing is built until a result is asked for.</summary>
    public PackagedConsumer()
    {
        RepositoryRoot = RepositoryFiles.Root;
        MachinePackages = RepositoryFiles.NuGetPackageRoot;
        Root = Path.Combine(Path.GetTempPath(), "callbackgen-package-" + Guid.NewGuid().ToString("N")[..12]);
        if (Root.StartsWith(RepositoryRoot, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The consumer must live outside the repository, but the temporary folder '{Root}' is inside '{RepositoryRoot}'.");
        }

        Directory.CreateDirectory(Root);
        pack = new(Pack);
        build = new(Build);
        run = new(Run);
        misspeltBuild = new(() => BuildWith("Misspelt"));
        implicitScalarBuild = new(() => BuildWith("ImplicitScalar"));
    }

    /// <summary>The repository whose runtime is packed.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The machine's NuGet packages folder (read-only fallback for the consumer).</summary>
    public string MachinePackages { get; }

    /// <summary>The temporary folder holding the feed, the consumer and its packages.</summary>
    public string Root { get; }

    /// <summary>The local package feed.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The consumer project's folder.</summary>
    public string ConsumerDirectory => Path.Combine(Root, ConsumerName);

    /// <summary>The consumer's private NuGet packages folder.</summary>
    public string ConsumerPackages => Path.Combine(Root, "packages");

    /// <summary>Where the consumer's compiler wrote the generated sources.</summary>
    public string ConsumerGeneratedSources => Path.Combine(ConsumerDirectory, "obj", "Release", "net10.0", "generated");

    /// <summary>The consumer's build output folder.</summary>
    public string ConsumerOutput => Path.Combine(ConsumerDirectory, "bin", "Release", "net10.0");

    /// <summary><c>dotnet pack</c> of the runtime into <see cref="Feed"/>.</summary>
    public CommandResult PackResult => pack.Value;

    /// <summary>The package file produced by <see cref="PackResult"/>.</summary>
    public string PackagePath
    {
        get
        {
            CheckSucceeded(PackResult);
            return Directory.GetFiles(Feed, "CallbackGen.*.nupkg").Single();
        }
    }

    /// <summary>The package version (a per-run prerelease of the repository's version).</summary>
    public string PackageVersion => Path.GetFileNameWithoutExtension(PackagePath)["CallbackGen.".Length..];

    /// <summary>Restore and build of the consumer.</summary>
    public CommandResult BuildResult => build.Value;

    /// <summary>
    /// The version needs of TorchSharp's native library in the consumer's output right after the
    /// build (before any run); null where the output has no linux-x64 copy.
    /// </summary>
    public IList<ElfVersionNeed>? TorchSharpNeedsAfterBuild { get; private set; }

    /// <summary>The consumer's run.</summary>
    public CommandResult RunResult => run.Value;

    /// <summary>Build of the consumer with a misspelt event handler added.</summary>
    public CommandResult MisspeltBuildResult => misspeltBuild.Value;

    /// <summary>Build of the consumer with a handler that passes a number as an implicit Scalar (CBG0015).</summary>
    public CommandResult ImplicitScalarBuildResult => implicitScalarBuild.Value;

    /// <summary>Throws with the command's output when it failed.</summary>
    public static void CheckSucceeded(CommandResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("A step of the package test failed:\n" + result);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; the next run uses a new one.
        }
    }

    private CommandResult Pack()
    {
        // A per-run prerelease version, packed from the outputs that the build before the tests left
        // (this project's reference to Runtime builds the runtime, the generator, the analyzers and the
        // code fixes first, in this configuration): building them all again in Release was most of
        // this assembly's time. The pack writes only under the temporary folder (the nuspec too),
        // never into the repository's bin/ and obj/ folders.
        string suffix = "test." + Path.GetFileName(Root)["callbackgen-package-".Length..];
        return DotNet.Run(
            RepositoryRoot,
            NoEnvironment,
            [
                "pack", Path.Combine(RepositoryRoot, "Runtime", "CallbackGen.csproj"),
                "--no-build", "-p:BuildProjectReferences=false", "-c", BuildConfiguration, "-o", Feed,
                "-p:VersionSuffix=" + suffix,
                "-p:NuspecOutputPath=" + Path.Combine(Root, "nuspec") + Path.DirectorySeparatorChar,
                .. DotNet.NoServers,
            ]);
    }

    private CommandResult Build()
    {
        string version = PackageVersion;
        Directory.CreateDirectory(ConsumerDirectory);
        File.WriteAllText(Path.Combine(ConsumerDirectory, ConsumerName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <!-- Only so the test can read what the package's generator wrote. -->
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CallbackGen" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(ConsumerDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="callbackgen-local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{MachinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        foreach (string source in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Consumer"), "*.cs"))
        {
            File.Copy(source, Path.Combine(ConsumerDirectory, Path.GetFileName(source)));
        }

        // Hard links instead of copies of TorchSharp's and libtorch's files (1.1 GB) from the machine's
        // package cache: the libstdc++ fix replaces its file by a rename, so the cache is never written.
        CommandResult result = DotNet.Run(ConsumerDirectory, ConsumerEnvironment, ["build", "-c", "Release", "-p:CreateHardLinksForCopyLocalIfPossible=true", .. DotNet.NoServers]);

        // Read before the consumer first runs, so the run-time fallback cannot be what fixed it.
        string library = Path.Combine(ConsumerOutput, "runtimes", "linux-x64", "native", ElfVersionPatcher.TorchSharpNativeLibrary);
        if (result.ExitCode == 0 && File.Exists(library))
        {
            TorchSharpNeedsAfterBuild = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(library));
        }

        return result;
    }

    private CommandResult Run()
    {
        CheckSucceeded(BuildResult);
        return DotNet.Run(ConsumerDirectory, ConsumerEnvironment, [Path.Combine(ConsumerOutput, ConsumerName + ".dll")]);
    }

    private CommandResult BuildWith(string name)
    {
        // Same project, one more file: the restore of the good build is reused.
        CheckSucceeded(BuildResult);
        string file = Path.Combine(ConsumerDirectory, name + ".cs");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Consumer", name + ".cs.txt"), file);
        try
        {
            return DotNet.Run(ConsumerDirectory, ConsumerEnvironment, ["build", "-c", "Release", "--no-restore", .. DotNet.NoServers]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static readonly Dictionary<string, string?> NoEnvironment = new();

    // The configuration this test assembly and, with it, the runtime were built in (recorded by the project file).
    private static string BuildConfiguration { get; } = typeof(PackagedConsumer).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), inherit: false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    private Dictionary<string, string?> ConsumerEnvironment => new() { ["NUGET_PACKAGES"] = ConsumerPackages };

}
