using System.Globalization;
using System.Text;

namespace CallbackGen.Benchmarks;

/// <summary>
/// A results page under bench/results/, written by a benchmark at the end of its run: a title, the
/// machine, then sections of prose and tables. Numbers are formatted with the invariant culture.
/// </summary>
public sealed class ResultsFile
{
    private readonly StringBuilder text = new();

    /// <summary>Starts a page with its title, the command that produced it and the machine.</summary>
    public ResultsFile(string title, string command, params (string Name, string Value)[] versions)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Written by `{command}`; do not edit by hand.").AppendLine();
        foreach (string line in MachineInfo.Describe(versions))
        {
            text.AppendLine(line);
        }

        text.AppendLine();
    }

    /// <summary>Adds a second-level heading.</summary>
    public ResultsFile Heading(string heading)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"## {heading}").AppendLine();
        return this;
    }

    /// <summary>Adds a paragraph.</summary>
    public ResultsFile Paragraph(string paragraph)
    {
        text.AppendLine(paragraph).AppendLine();
        return this;
    }

    /// <summary>Adds a table; cells are written as given.</summary>
    public ResultsFile Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        text.Append("| ").AppendJoin(" | ", header).AppendLine(" |");
        text.Append('|').AppendJoin('|', header.Select(_ => "---")).AppendLine("|");
        foreach (IReadOnlyList<string> row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        }

        text.AppendLine();
        return this;
    }

    /// <summary>The page so far.</summary>
    public override string ToString() => text.ToString();

    /// <summary>Writes the page to <paramref name="folder"/> (see <see cref="BenchArgs.ResultsDir"/>) and returns its path.</summary>
    public string Save(string folder, string fileName)
    {
        string dir = folder;
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, fileName);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>The folder holding CallbackGen.sln, searched upwards from the current directory and then from the program.</summary>
    public static string RepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "CallbackGen.sln")))
                {
                    return d.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("CallbackGen.sln was not found above the current directory or the program: run the benchmarks from the repository.");
    }

    /// <summary>Formats a number with the invariant culture.</summary>
    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
