using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace CallbackGen.Generators.Tests.Infrastructure;

/// <summary>
/// Approved-file snapshots (docs/design.md, "Tests"): <c>Snapshots/NAME.verified.cs</c> is committed; on a
/// mismatch <c>NAME.received.cs</c> is written beside it and the test fails. Set the environment
/// variable <c>CALLBACKGEN_ACCEPT_SNAPSHOTS=1</c> to overwrite the approved files with what was received.
/// The product version in <c>[GeneratedCode]</c> is replaced by <see cref="VersionPlaceholder"/> before
/// comparing, so a version bump does not touch every approved file (a separate test checks the version).
/// </summary>
public static partial class Snapshot
{
    public const string AcceptVariable = "CALLBACKGEN_ACCEPT_SNAPSHOTS";

    /// <summary>What the approved files show in place of the generator's version.</summary>
    public const string VersionPlaceholder = "{version}";

    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        string dir = Path.Combine(FindProjectDirectory(callerFile), "Snapshots");
        Directory.CreateDirectory(dir);
        string verified = Path.Combine(dir, name + ".verified.cs");
        string received = Path.Combine(dir, name + ".received.cs");
        string normalized = WithoutVersion(actual.Replace("\r\n", "\n", StringComparison.Ordinal));

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verified, normalized);
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == normalized)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, normalized);
        Assert.Fail(expected is null
            ? $"No approved snapshot '{verified}'. Review '{received}' and rename it, or run with {AcceptVariable}=1."
            : $"Snapshot '{name}' differs from the approved file. First difference at line {FirstDifference(expected, normalized)}. " +
              $"Compare '{received}' with '{verified}'; accept with {AcceptVariable}=1.");
    }

    /// <summary>The text with the version of every <c>[GeneratedCode("CallbackGen.Generators", …)]</c> replaced by the placeholder.</summary>
    public static string WithoutVersion(string text) =>
        GeneratedCodeVersion().Replace(text, "$1" + VersionPlaceholder + "$2");

    [GeneratedRegex("""(GeneratedCode\("CallbackGen\.Generators", ")[^"]*("\))""")]
    private static partial Regex GeneratedCodeVersion();

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }

    private static string FindProjectDirectory(string callerFile)
    {
        for (string? dir = Path.GetDirectoryName(callerFile); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.EnumerateFiles(dir, "*.csproj").Any())
            {
                return dir;
            }
        }

        throw new InvalidOperationException($"No project folder above {callerFile}.");
    }
}
