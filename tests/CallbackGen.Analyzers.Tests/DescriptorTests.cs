using System.Text.RegularExpressions;
using CallbackGen.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace CallbackGen.Analyzers.Tests;

/// <summary>IDs and severities are the contract (docs/diagnostics/README.md); each rule has its docs page and release entry.</summary>
public sealed class DescriptorTests
{
    public static TheoryData<string, DiagnosticSeverity> Contract => new()
    {
        { "CBG0001", DiagnosticSeverity.Error },
        { "CBG0002", DiagnosticSeverity.Warning },
        { "CBG0003", DiagnosticSeverity.Error },
        { "CBG0004", DiagnosticSeverity.Error },
        { "CBG0005", DiagnosticSeverity.Error },
        { "CBG0006", DiagnosticSeverity.Warning },
        { "CBG0007", DiagnosticSeverity.Error },
        { "CBG0008", DiagnosticSeverity.Error },
        { "CBG0009", DiagnosticSeverity.Warning },
        { "CBG0010", DiagnosticSeverity.Error },
        { "CBG0011", DiagnosticSeverity.Error },
        { "CBG0012", DiagnosticSeverity.Warning },
        { "CBG0013", DiagnosticSeverity.Warning },
        { "CBG0014", DiagnosticSeverity.Error },
    };

    private static readonly DiagnosticDescriptor[] All = AnalyzerHarness.Analyzers
        .SelectMany(a => a.SupportedDiagnostics).ToArray();

    [Theory]
    [MemberData(nameof(Contract))]
    public void Rule_has_its_severity_docs_page_and_release_entry(string id, DiagnosticSeverity severity)
    {
        DiagnosticDescriptor descriptor = Assert.Single(All, d => d.Id == id);
        Assert.Equal(severity, descriptor.DefaultSeverity);
        Assert.True(descriptor.IsEnabledByDefault);
        Assert.EndsWith($"/docs/diagnostics/{id}.md", descriptor.HelpLinkUri, StringComparison.Ordinal);

        string page = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "diagnostics", id + ".md"));
        Assert.StartsWith($"# {id}:", page, StringComparison.Ordinal);
        foreach (string section in new[] { "## What", "## Why", "## Example", "## Fix" })
        {
            Assert.Contains(section, page, StringComparison.Ordinal);
        }

        string index = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "diagnostics", "README.md"));
        Assert.Contains($"| [{id}]({id}.md) | {severity.ToString().ToLowerInvariant()} |", index, StringComparison.Ordinal);

        string releases = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "Analyzers", "CallbackGen.Analyzers", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(RepositoryFiles.Root, "Analyzers", "CallbackGen.Analyzers", "AnalyzerReleases.Shipped.md"));
        Assert.Matches(new Regex($@"^{id} \| CallbackGen \| {severity} \|", RegexOptions.Multiline), releases);
    }

    [Fact]
    public void Every_descriptor_is_in_the_contract()
    {
        Assert.Equal(Contract.Select(row => (string)row[0]).Order(), All.Select(d => d.Id).Order());
    }
}
