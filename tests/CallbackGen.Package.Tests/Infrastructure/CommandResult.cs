namespace CallbackGen.Package.Tests.Infrastructure;

/// <summary>What a child process printed and how it ended.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Output, TimeSpan Duration)
{
    /// <summary>The command and its output, for assertion messages.</summary>
    public override string ToString() =>
        $"$ {CommandLine}\n(exit {ExitCode}, {Duration.TotalSeconds:0.0} s)\n{Output}";
}
