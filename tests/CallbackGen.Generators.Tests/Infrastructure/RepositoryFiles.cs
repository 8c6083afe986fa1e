using System.Runtime.CompilerServices;

namespace CallbackGen.Generators.Tests.Infrastructure;

/// <summary>Files of this repository read from disk (the runtime's own callbacks serve as test sources).</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the folder above this file that holds CallbackGen.sln.</summary>
    public static string Root([CallerFilePath] string callerFile = "")
    {
        for (string? dir = Path.GetDirectoryName(callerFile); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "CallbackGen.sln")))
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"No CallbackGen.sln above {callerFile}.");
    }

    /// <summary>The text of every C# file in a folder of the repository, by ordinal path.</summary>
    public static IReadOnlyList<(string Path, string Text)> CSharpFiles(string relativeFolder)
    {
        string folder = Path.Combine(Root(), relativeFolder);
        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (Path.GetRelativePath(Root(), p), File.ReadAllText(p)))
            .ToArray();
    }
}
