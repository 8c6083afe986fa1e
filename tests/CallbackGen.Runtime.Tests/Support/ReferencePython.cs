using System.Diagnostics;

namespace CallbackGen.Runtime.Tests.Support;

/// <summary>
/// Debian's Python with PyTorch, torchvision and scikit-learn (<c>/usr/bin/python3</c>; the <c>python3</c> on
/// PATH may be another one), which makes reference files and values for the interop tests. Tests call
/// <see cref="SkipUnlessAvailable"/> first: where the packages are absent they report skipped with the reason.
/// </summary>
internal static class ReferencePython
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} is absent (apt-get install python3-torch python3-torchvision python3-sklearn)";
        }

        (int code, string output) = Run("import torch, torchvision, sklearn", []);
        return code == 0 ? null : $"{Interpreter} cannot import torch, torchvision and sklearn (apt-get install python3-torch python3-torchvision python3-sklearn): {output.Trim()}";
    });

    /// <summary>Skips the calling test, saying why, unless Debian's PyTorch, torchvision and scikit-learn import.</summary>
    public static void SkipUnlessAvailable() => Skip.If(Missing.Value is not null, Missing.Value);

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> (sys.argv[1:]) and returns its standard output; fails the test on a non-zero exit.</summary>
    public static string Script(string script, params string[] args)
    {
        (int code, string output) = Run(script, args);
        Assert.True(code == 0, $"The reference script failed (exit {code}):\n{output}");
        return output;
    }

    private static (int Code, string Output) Run(string script, string[] args)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        // One thread each: the tests run beside others on a shared machine.
        start.Environment["OMP_NUM_THREADS"] = "1";
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, p.ExitCode == 0 ? stdout : stdout + stderr.Result);
    }
}
