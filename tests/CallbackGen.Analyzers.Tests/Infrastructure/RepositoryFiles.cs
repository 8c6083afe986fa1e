namespace CallbackGen.Analyzers.Tests.Infrastructure;

/// <summary>Files of this repository read from disk: the samples and the runtime serve as test sources.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the first folder above the test binaries that holds CallbackGen.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Every C# file under a folder of the repository (build outputs left out), by ordinal path.</summary>
    public static IReadOnlyList<(string Path, string Text)> CSharpFiles(string relativeFolder, bool recursive = true)
    {
        string folder = System.IO.Path.Combine(Root, relativeFolder);
        if (!Directory.Exists(folder))
        {
            return Array.Empty<(string, string)>();
        }

        char sep = System.IO.Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(folder, "*.cs", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Select(p => System.IO.Path.GetRelativePath(Root, p))
            .Where(p => !p.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !p.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (p.Replace(sep, '/'), File.ReadAllText(System.IO.Path.Combine(Root, p))))
            .ToArray();
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "CallbackGen.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("CallbackGen.sln not found above " + AppContext.BaseDirectory);
    }
}
