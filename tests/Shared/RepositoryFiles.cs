using System.Reflection;

namespace CallbackGen.Tests;

/// <summary>
/// The repository and the restored packages, where the build of this test project found them
/// (recorded as assembly metadata by tests/Directory.Build.props), and the repository's files.
/// One copy, linked into every test project.
/// </summary>
internal static class RepositoryFiles
{
    /// <summary>The repository root: the folder that holds CallbackGen.sln.</summary>
    public static string Root { get; } = RecordedFolder("RepositoryRoot");

    /// <summary>The machine's NuGet packages folder (read only: tests never write there).</summary>
    public static string NuGetPackageRoot { get; } = RecordedFolder("NuGetPackageRoot");

    /// <summary>The full path of a file or folder given relative to the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Every C# file under a folder of the repository (build outputs left out), by ordinal path, with '/' separators.</summary>
    public static IReadOnlyList<(string Path, string Text)> CSharpFiles(string relativeFolder, bool recursive = true)
    {
        string folder = Path.Combine(Root, relativeFolder);
        if (!Directory.Exists(folder))
        {
            return Array.Empty<(string, string)>();
        }

        char sep = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(folder, "*.cs", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Select(p => Path.GetRelativePath(Root, p))
            .Where(p => !p.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !p.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (p.Replace(sep, '/'), File.ReadAllText(Path.Combine(Root, p))))
            .ToArray();
    }

    private static string RecordedFolder(string key)
    {
        string value = typeof(RepositoryFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing: tests/Directory.Build.props records it for every test project.");
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(value));
        return Directory.Exists(folder)
            ? folder
            : throw new DirectoryNotFoundException($"'{key}' was recorded at build time as '{folder}', which does not exist: rebuild the tests where the repository is.");
    }
}
