using System.IO.Compression;
using System.Xml.Linq;
using CallbackGen.Package.Tests.Infrastructure;

namespace CallbackGen.Package.Tests;

/// <summary>What `dotnet pack Runtime` puts in the one package users reference.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageLayoutTests(PackagedConsumer consumer)
{
    [Fact]
    public void The_package_holds_the_runtime_its_docs_the_generator_and_the_transitive_build_fix()
    {
        using ZipArchive package = ZipFile.OpenRead(consumer.PackagePath);
        HashSet<string> entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("lib/net10.0/CallbackGen.dll", entries);
        Assert.Contains("lib/net10.0/CallbackGen.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/CallbackGen.Generators.dll", entries);
        // The task's source sits next to the targets that compile it.
        Assert.Contains("buildTransitive/CallbackGen.targets", entries);
        Assert.Contains("buildTransitive/ElfVersionPatcher.cs", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        // Only the consumer's compiler loads analyzers: nothing else of ours under analyzers/ or lib/.
        Assert.All(entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)), e => Assert.StartsWith("analyzers/dotnet/cs/CallbackGen.", e));
        Assert.Equal(new[] { "lib/net10.0/CallbackGen.dll", "lib/net10.0/CallbackGen.xml" }, entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_nuspec_depends_on_TorchSharp_cpu_and_ScottPlot_only_and_names_licence_readme_and_repository()
    {
        using ZipArchive package = ZipFile.OpenRead(consumer.PackagePath);
        using Stream nuspec = package.GetEntry("CallbackGen.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal("CallbackGen", Value("id"));
        Assert.Equal(consumer.PackageVersion, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.NotEmpty(metadata.Elements().Where(e => e.Name.LocalName == "repository").Attributes("commit"));

        // The analyzer projects are build-time only: they must not leak as package dependencies.
        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (Id: (string)e.Attribute("id")!, Version: (string)e.Attribute("version")!))
            .ToList();
        // ScottPlot draws the Recorder's and the LR finder's PNG charts.
        Assert.Equal(new[] { ("ScottPlot", "5.1.59"), ("TorchSharp-cpu", "0.107.0") }, dependencies.OrderBy(d => d.Id, StringComparer.Ordinal));
    }

    [Fact]
    public void The_package_version_is_the_repository_version_with_the_run_suffix()
    {
        string props = File.ReadAllText(Path.Combine(consumer.RepositoryRoot, "Directory.Build.props"));
        string prefix = XDocument.Parse(props).Descendants("VersionPrefix").Single().Value;

        Assert.StartsWith(prefix + "-test.", consumer.PackageVersion);
    }
}
