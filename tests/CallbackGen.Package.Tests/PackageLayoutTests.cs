using System.IO.Compression;
using System.Xml.Linq;
using CallbackGen.Package.Tests.Infrastructure;

namespace CallbackGen.Package.Tests;

/// <summary>What `dotnet pack Runtime` puts in the one package users reference.</summary>
[Collection(PackageCollection.Name)]
[Trait("Category", "Slow")]
public sealed class PackageLayoutTests(PackagedConsumer consumer)
{
    [Fact]
    public void The_package_holds_the_runtime_its_docs_the_generator_analyzers_code_fixes_and_the_transitive_build_fix()
    {
        using ZipArchive package = ZipFile.OpenRead(consumer.PackagePath);
        HashSet<string> entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("lib/net10.0/CallbackGen.dll", entries);
        Assert.Contains("lib/net10.0/CallbackGen.xml", entries);
        // Generator, analyzers and code fixes: everything the consumer's compiler and IDE load.
        Assert.Equal(
            new[] { "analyzers/dotnet/cs/CallbackGen.Analyzers.dll", "analyzers/dotnet/cs/CallbackGen.CodeFixes.dll", "analyzers/dotnet/cs/CallbackGen.Generators.dll" },
            entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        // The task's source sits next to the targets that compile it.
        Assert.Contains("buildTransitive/CallbackGen.targets", entries);
        Assert.Contains("buildTransitive/ElfVersionPatcher.cs", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        // The runtime and its XML docs, nothing else, for the consumer's code.
        Assert.Equal(new[] { "lib/net10.0/CallbackGen.dll", "lib/net10.0/CallbackGen.xml" }, entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_nuspec_depends_on_the_runtime_package_references_only_and_names_licence_readme_and_repository()
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

        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!))
            .Order()
            .ToList();
        Assert.Contains(("TorchSharp-cpu", "0.107.0"), dependencies);
        // Exactly the runtime's PackageReferences at their central versions: the generator, analyzer
        // and code-fix projects are build-time only and must not leak in as package dependencies.
        XDocument runtime = XDocument.Load(Path.Combine(consumer.RepositoryRoot, "Runtime", "CallbackGen.csproj"));
        XDocument versions = XDocument.Load(Path.Combine(consumer.RepositoryRoot, "Directory.Packages.props"));
        var expected = runtime.Descendants("PackageReference")
            .Select(r => (string)r.Attribute("Include")!)
            .Select(id => (id, (string)versions.Descendants("PackageVersion").Single(v => (string)v.Attribute("Include")! == id).Attribute("Version")!))
            .Order()
            .ToList();
        Assert.Equal(expected, dependencies);
        // ONNX export writes protobuf only: serving with ONNX Runtime (hundreds of native files) is the user's choice.
        Assert.DoesNotContain(dependencies, d => d.Item1.StartsWith("Microsoft.ML", StringComparison.Ordinal));
    }

    [Fact]
    public void The_package_version_is_the_repository_version_with_the_run_suffix()
    {
        string props = File.ReadAllText(Path.Combine(consumer.RepositoryRoot, "Directory.Build.props"));
        string prefix = XDocument.Parse(props).Descendants("VersionPrefix").Single().Value;

        Assert.StartsWith(prefix + "-test.", consumer.PackageVersion);
    }
}
